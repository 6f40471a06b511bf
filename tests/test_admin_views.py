import sqlalchemy as sa

from webapp.audit.models import AuditEntry
from webapp.auth.models import Membership, Role, User
from webapp.organisations.models import Organisation, Regie
from tests.fixtures import VALID_REGIE, link_in


def test_invalid_regie_comes_back_marked_and_nothing_is_saved(login, make_user, make_org, session):
    org = make_org()
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/regies/nouvelle", {
        "name": "Cantine", "invoice_prefix": "CANT", **VALID_REGIE["FR"], "bic": "BNPAXXPP"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="bic-erreur"' in html and "BIC invalide" in html
    assert session.scalar(sa.select(sa.func.count()).select_from(Regie)) == 0


def test_admin_creates_and_edits_a_regie(login, make_user, make_org, session):
    org = make_org()
    client = login(make_user(org))
    response = client.post_form(f"/o/{org.id}/regies/nouvelle", {
        "name": "Cantine", "invoice_prefix": "cant", **VALID_REGIE["FR"]})
    assert response.status_code == 303
    regie = session.scalar(sa.select(Regie).where(Regie.organisation_id == org.id))
    response = client.post_form(f"/o/{org.id}/regies/{regie.id}", {
        "name": "Cantine scolaire", "invoice_prefix": "CANT", **VALID_REGIE["FR"]})
    assert response.status_code == 303
    assert "Cantine scolaire" in client.get(f"/o/{org.id}/regies/").get_data(as_text=True)


def test_operator_creates_an_organisation_and_invites_its_first_administrator(login, make_user, session, outbox):
    operator = make_user(is_operator=True)
    client = login(operator)
    assert client.get("/").location.endswith("/exploitation/")
    response = client.post_form("/exploitation/nouvelle", {
        "name": "Commune de Froges", "kind": "commune", "country": "FR", "active": "y",
        "admin_full_name": "Marie Maire", "admin_email": "marie@froges.example"})
    assert response.status_code == 303, response.get_data(as_text=True)
    org = session.scalar(sa.select(Organisation).where(Organisation.name == "Commune de Froges"))
    (invitation,) = outbox
    assert invitation["To"] == "marie@froges.example" and "Commune de Froges" in invitation["Subject"]
    listing = client.get("/exploitation/").get_data(as_text=True)
    assert "Commune de Froges" in listing and "Commune" in listing and "France" in listing
    # The operator manages organisations but does not see into them, nor chooses anyone's password.
    assert client.get(f"/o/{org.id}/familles/").status_code == 404
    client.post_form("/deconnexion")
    client.fetch_csrf()
    password = "vallée-froide-crayon-bleu"
    accepted = client.post_form(link_in(invitation), {"full_name": "Marie Maire", "password": password,
                                                      "confirm": password})
    assert accepted.status_code == 303, accepted.get_data(as_text=True)
    admin = session.scalar(sa.select(User).where(User.email == "marie@froges.example"))
    membership = session.scalar(sa.select(Membership).where(Membership.user_id == admin.id))
    assert membership.organisation_id == org.id and membership.role is Role.ADMIN
    assert client.get(f"/o/{org.id}/familles/").status_code == 200


def test_suspended_organisation_is_closed_to_its_users(login, make_user, make_org, session):
    org = make_org()
    user = make_user(org)
    operator = login(make_user(is_operator=True))
    assert operator.post_form(f"/exploitation/{org.id}", {
        "name": org.name, "kind": "commune", "country": "FR"}).status_code == 303
    operator.post_form("/deconnexion")
    client = login(user)
    assert client.get(f"/o/{org.id}/familles/").status_code == 404


def test_rights_changes_are_audited(login, make_user, make_org, session):
    org = make_org()
    admin = login(make_user(org))
    target = make_user(org, Role.READER)
    membership = target.membership_in(org.id)
    response = admin.post_form(f"/o/{org.id}/utilisateurs/{membership.id}", {"role": "regisseur", "active": "y"})
    assert response.status_code == 303
    entries = session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == "membership",
                                                          AuditEntry.entity_id == target.id)).all()
    changes = {k: v for e in entries if e.action == "update" for k, v in e.changes.items()}
    assert changes == {"role": ["lecteur", "regisseur"]}


def test_admin_cannot_demote_or_remove_themselves(login, make_user, make_org):
    org = make_org()
    admin = make_user(org)
    client = login(admin)
    membership = admin.membership_in(org.id)
    response = client.post_form(f"/o/{org.id}/utilisateurs/{membership.id}", {"role": "lecteur", "active": "y"})
    assert response.status_code == 422
    response = client.post_form(f"/o/{org.id}/utilisateurs/{membership.id}", {"role": "administrateur"})
    assert response.status_code == 422
    client.post_form(f"/o/{org.id}/utilisateurs/{membership.id}/retrait")
    assert client.get(f"/o/{org.id}/utilisateurs/").status_code == 200
