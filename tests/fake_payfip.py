"""A local stand-in for PayFiP's web service and payment page, so that nothing calls the DGFiP: the SOAP
operations creerPaiementSecurise and recupererDetailPaiementSecurise (with the faults P1, unknown operation, and
P5, not paid yet), the WSDL eopayment ships with this server's address, and a page where the « family » pays,
is refused or gives up. Tests drive it from Python; `make run` starts it for the demo:

    python -m tests.fake_payfip --port 8099
"""

from __future__ import annotations

import argparse
import html
import secrets
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.etree import ElementTree

import eopayment

RESOURCES = Path(eopayment.__file__).parent / "resource"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = ("http://securite.service.tpa.cp.finances.gouv.fr/services/mas_securite/contrat_paiement_securise/"
       "PaiementSecuriseService")
FIELDS = ("exer", "mel", "montant", "numcli", "objet", "refdet", "saisie", "urlnotif", "urlredirect")
# The answer's elements in the order of PayFiP's schema (a sequence).
DETAIL = ("dattrans", "exer", "heurtrans", "idOp", "mel", "montant", "numauto", "numcli", "objet", "refdet",
          "resultrans", "saisie")


@dataclass
class Operation:
    request: dict[str, str]
    result: str | None = None  # P, V, R, Z, A once the family acted
    at: datetime = field(default_factory=datetime.now)


class FakePayfip:
    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.operations: dict[str, Operation] = {}
        self.notifications: list[str] = []
        self.server = ThreadingHTTPServer((host, port), self._handler())
        self.url = f"http://{host}:{self.server.server_port}"
        self.wsdl_url = f"{self.url}/tpa/services/securite?wsdl"
        self.payment_url = f"{self.url}/tpa/paiementws.web"

    def start(self) -> FakePayfip:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def pay(self, idop: str, result: str = "P", *, notify: bool = True) -> None:
        """The family's choice on the payment page; PayFiP then notifies the app (server to server)."""
        operation = self.operations[idop]
        operation.result, operation.at = result, datetime.now()
        if notify:
            data = urllib.parse.urlencode({"idOp": idop}).encode()
            try:
                urllib.request.urlopen(operation.request["urlnotif"], data=data, timeout=10).read()
                self.notifications.append(idop)
            except OSError:
                pass  # like PayFiP: a lost notification is the app's job sweep's to catch up

    # SOAP

    def _answer(self, body: bytes) -> tuple[int, str]:
        envelope = ElementTree.fromstring(body)
        call = next(iter(envelope.find(f"{{{SOAP}}}Body")))
        operation = call.tag.rsplit("}", 1)[-1]
        arguments = {child.tag.rsplit("}", 1)[-1]: (child.text or "") for child in call.find("arg0") or []}
        if operation == "creerPaiementSecurise":
            if not (arguments.get("numcli", "").isdigit() and len(arguments["numcli"]) == 6):
                return self._fault("R3", "Le numéro client est invalide")
            idop = secrets.token_hex(16)
            self.operations[idop] = Operation({name: arguments.get(name, "") for name in FIELDS})
            return 200, self._envelope(operation, {"idOp": idop})
        if operation == "recupererDetailPaiementSecurise":
            found = self.operations.get(arguments.get("idOp", ""))
            if found is None:
                return self._fault("P1", "IdOp incorrect")
            if found.result is None:
                return self._fault("P5", "Résultat de la transaction non connu")
            detail = {**found.request, "idOp": arguments["idOp"], "resultrans": found.result,
                      "dattrans": found.at.strftime("%d%m%Y"), "heurtrans": found.at.strftime("%H%M"),
                      "numauto": "123456" if found.result in "PV" else ""}
            return 200, self._envelope(operation, {name: detail[name] for name in DETAIL})
        return self._fault("T1", f"Opération inconnue {operation}")

    @staticmethod
    def _envelope(operation: str, values: dict[str, str]) -> str:
        inner = "".join(f"<{name}>{html.escape(value)}</{name}>" for name, value in values.items())
        return (f'<S:Envelope xmlns:S="{SOAP}"><S:Body><ns2:{operation}Response xmlns:ns2="{TNS}">'
                f"<return>{inner}</return></ns2:{operation}Response></S:Body></S:Envelope>")

    @staticmethod
    def _fault(code: str, label: str) -> tuple[int, str]:
        return 500, (f'<S:Envelope xmlns:S="{SOAP}"><S:Body><S:Fault><faultcode>S:Server</faultcode>'
                     "<faultstring>fr.gouv.finances.cp.tpa.webservice.exceptions.FonctionnelleErreur</faultstring>"
                     f'<detail><ns2:FonctionnelleErreur xmlns:ns2="{TNS}"><code>{code}</code>'
                     f"<descriptif>{label}</descriptif><libelle>{label}</libelle><severite>2</severite>"
                     "</ns2:FonctionnelleErreur></detail></S:Fault></S:Body></S:Envelope>")

    # HTTP

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _send(self, status: int, body: str, content_type: str, headers: dict[str, str] | None = None) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urllib.parse.urlsplit(self.path)
                name = url.path.rsplit("/", 1)[-1]
                if url.path == "/tpa/services/securite":
                    wsdl = (RESOURCES / "PaiementSecuriseService.wsdl").read_text()
                    wsdl = wsdl.replace("https://www.payfip.gouv.fr/tpa/services/securite",
                                        f"{fake.url}/tpa/services/securite")
                    return self._send(200, wsdl, "text/xml")
                if name.endswith(".xsd") and (RESOURCES / name).is_file():
                    return self._send(200, (RESOURCES / name).read_text(), "text/xml")
                if url.path == "/tpa/paiementws.web":
                    idop = urllib.parse.parse_qs(url.query).get("idop", [""])[0]
                    found = fake.operations.get(idop)
                    if found is None:
                        return self._send(404, "Opération inconnue", "text/plain")
                    amount = f"{int(found.request['montant']) / 100:.2f}".replace(".", ",")
                    buttons = "".join(
                        f'<button name="result" value="{code}">{label}</button> '
                        for code, label in (("P", "Payer par carte"), ("V", "Payer par prélèvement"),
                                            ("R", "Carte refusée"), ("A", "Abandonner")))
                    page = (f"<!doctype html><html lang=fr><title>PayFiP (simulation)</title><h1>PayFiP "
                            f"(simulation)</h1><p>{html.escape(found.request['objet'])}</p><p>Montant : {amount} €"
                            f'</p><form method=post><input type=hidden name=idop value="{idop}">{buttons}</form>')
                    return self._send(200, page, "text/html; charset=utf-8")
                return self._send(404, "Introuvable", "text/plain")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.startswith("/tpa/services/securite"):
                    status, answer = fake._answer(body)
                    return self._send(status, answer, "text/xml; charset=utf-8")
                if self.path.startswith("/tpa/paiementws.web"):
                    form = urllib.parse.parse_qs(body.decode())
                    idop, result = form.get("idop", [""])[0], form.get("result", [""])[0]
                    if idop not in fake.operations or result not in ("P", "V", "R", "Z", "A"):
                        return self._send(400, "Requête invalide", "text/plain")
                    fake.pay(idop, result)
                    return self._send(303, "", "text/plain",
                                      {"Location": fake.operations[idop].request["urlredirect"]})
                return self._send(404, "Introuvable", "text/plain")

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description="Un faux PayFiP local, pour la démonstration.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    arguments = parser.parse_args()
    fake = FakePayfip(arguments.host, arguments.port)
    print(f"Faux PayFiP sur {fake.url} (WSDL {fake.wsdl_url})", flush=True)
    fake.server.serve_forever()


if __name__ == "__main__":
    main()
