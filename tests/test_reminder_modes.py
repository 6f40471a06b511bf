"""Reminder runs by invoice and by child, their reminder date and period of invoices, the families at the bailiff
left out, and the treasury taking only the invoices past the last reminder level."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from webapp import pdf as html_to
from webapp.audit.models import AuditEntry
from webapp.errors import DomainError
from webapp.families.services import add_child
from webapp.formatting import today
from webapp.reminders import bailiff, children, documents, levels, runs
from webapp.reminders.models import FamilyAtBailiff, ReminderRun, ReminderRunStatus, RunMode
from webapp.treasury import runs as title_runs, selection

from tests.counter_world import D, attend, bill, pay
from tests.test_reminders import chase, open_run, unpaid  # noqa: F401


def run_of(world, mode, day=date(2026, 6, 30), **data):
    return runs.open_run(world.regie, {"reference_date": day, "mode": mode, **data})


def audit(session, entity_type, action):
    return session.scalars(sa.select(AuditEntry).where(AuditEntry.entity_type == entity_type,
                                                       AuditEntry.action == action)).all()


def test_by_invoice_one_reminder_per_invoice_each_at_its_own_level(unpaid, session):  # noqa: F811
    # A first run by balance, limited to the invoices issued in April: March alone, level 1.
    # Its letters dated on a day already past: they are dated the day they are validated.
    first = run_of(unpaid, RunMode.BALANCE, reminder_date=date(2026, 7, 1), issued_to=date(2026, 4, 30))
    (sent,) = runs.validate(first)
    assert [ri.invoice for ri in sent.invoices] == [unpaid.march] and sent.sent_on == today()
    # By invoice, three weeks later (March's delay to pay is over): March reaches level 2, April its level 1.
    later = today() + timedelta(days=21)
    run = run_of(unpaid, RunMode.INVOICE, later, reminder_date=later)
    draft = runs.select(run)
    rows = [(due.invoices, due.level.rank, due.amount, due.key, due.kept) for due in draft.families]
    assert rows == [([unpaid.other_march], 1, D("4.00"), unpaid.other_march.id, False),  # under the 5.00 minimum
                    ([unpaid.march], 2, D("12.00"), unpaid.march.id, True),
                    ([unpaid.april], 1, D("8.00"), unpaid.april.id, True)]
    runs.choose_families(run, {unpaid.april.id})  # an invoice is unticked, not its family
    assert [due.invoices for due in runs.select(run).kept] == [[unpaid.march]]
    runs.choose_families(run, set())
    march, april = runs.validate(run)
    assert (march.rank, march.amount, april.rank, april.amount) == (2, D("22.00"), 1, D("8.00"))  # level 2's fee
    assert (march.fee, march.fee_invoice.total, april.fee_invoice) == (D("10.00"), D("10.00"), None)
    assert [r.sequence for r in (sent, march, april)] == [1, 2, 3]  # gapless across runs
    assert len({r.payment_reference for r in (sent, march, april)}) == 3
    assert march.family_id == april.family_id == unpaid.family.id
    assert {r.sent_on for r in (march, april)} == {later}
    assert march.pay_by == runs.pay_by(unpaid.org.country, later)
    assert run.status is ReminderRunStatus.VALIDATED


def test_the_reminder_date_and_the_period_are_checked_and_audited(unpaid, session):  # noqa: F811
    with pytest.raises(DomainError, match="d'avant la date arrêtée") as refused:
        run_of(unpaid, RunMode.BALANCE, reminder_date=date(2026, 6, 29))
    assert refused.value.field == "reminder_date"
    with pytest.raises(DomainError, match="finit avant de commencer"):
        run_of(unpaid, RunMode.BALANCE, issued_from=date(2026, 5, 1), issued_to=date(2026, 4, 1))
    with pytest.raises(DomainError, match="Choisissez le mode"):
        run_of(unpaid, "huissier")
    assert open_run(unpaid).reminder_date == today()  # empty: today
    assert open_run(unpaid, today() + timedelta(days=3)).reminder_date == today() + timedelta(days=3)
    run = run_of(unpaid, RunMode.CHILD, reminder_date=date(2026, 7, 1), issued_from=date(2026, 5, 1))
    assert [due.invoices for due in runs.select(run).families] == [[unpaid.april]]
    created = next(e for e in audit(session, "reminder_run", "create") if e.entity_id == run.id)
    assert created.changes["mode"] == [None, "enfant"] and created.changes["reminder_date"] == [None, "2026-07-01"]
    assert created.changes["issued_from"] == [None, "2026-05-01"] and "issued_to" not in created.changes
    runs.delete_run(run)
    deleted = next(e for e in audit(session, "reminder_run", "delete") if e.entity_id == run.id)
    assert deleted.changes["mode"] == ["enfant", None]


def test_by_child_groups_the_invoices_under_the_children_and_claims_each_once(unpaid, app, monkeypatch):  # noqa: F811
    sister = add_child(unpaid.family, {"last_name": "Bernard", "first_name": "Anna"})
    attend(sister, unpaid.canteen, 5, 4, 5)
    attend(unpaid.child, unpaid.canteen, 5, 4, 5, 6)
    may = bill(unpaid, 5)[unpaid.family.id]  # Anna 8.00, Léo 12.00
    pay(unpaid, "5.00", shares={may.id: D("5.00")})  # 15.00 left: Anna 6.00, Léo 9.00
    run = run_of(unpaid, RunMode.CHILD, date(2026, 7, 20), reminder_date=date(2026, 7, 20))
    bernard = next(due for due in runs.select(run).families if due.family == unpaid.family)
    assert bernard.amount == D("35.00")  # 12.00 + 8.00 + 15.00: May once
    assert [(c.label, c.invoices, c.amount) for c in bernard.children] == [
        ("Anna BERNARD", [(may, D("6.00"))], D("6.00")),
        ("Léo BERNARD", [(unpaid.march, D("12.00")), (unpaid.april, D("8.00")), (may, D("9.00"))], D("29.00"))]
    (sent,) = [r for r in runs.validate(run) if r.family_id == unpaid.family.id]
    assert sent.amount == D("35.00") and [ri.amount for ri in sent.invoices] == [D("12.00"), D("8.00"), D("15.00")]
    rendered = []
    monkeypatch.setattr(documents, "html_to_pdf", lambda html: rendered.append(html) or html_to.html_to_pdf(html))
    with app.test_request_context():
        assert documents.letters_pdf(run).startswith(b"%PDF")
    (html,) = rendered
    assert html.index("Anna BERNARD") < html.index("Léo BERNARD") and "6,00" in html and "9,00" in html
    assert "n'est due qu'une fois" in html and "35,00" in html


def test_by_child_puts_lines_billing_no_child_under_the_family(unpaid):  # noqa: F811
    line = unpaid.march.lines[0]
    assert children.by_child([(unpaid.march, D("12.00"))])[0].label == str(line.child)
    line.child_id, line.child = None, None
    assert [(c.label, c.amount) for c in children.by_child([(unpaid.march, D("12.00"))])] == [("Famille", D("12.00"))]


def test_a_family_at_the_bailiff_is_left_out_until_lifted_audited(unpaid, session):  # noqa: F811
    run = open_run(unpaid)
    with pytest.raises(DomainError, match="motif"):
        bailiff.send_to_bailiff(unpaid.regie, unpaid.family, "  ")
    bailiff.send_to_bailiff(unpaid.regie, unpaid.family, "Dossier 2026-118, Maître Durand")
    with pytest.raises(DomainError, match="déjà chez l'huissier"):
        bailiff.send_to_bailiff(unpaid.regie, unpaid.family, "encore")
    bernard = next(due for due in runs.select(run).families if due.family == unpaid.family)
    assert (bernard.reason, bernard.kept) == ("Chez l'huissier", False)
    assert runs.select(run_of(unpaid, RunMode.INVOICE)).kept == []  # each of its invoices too
    with pytest.raises(DomainError, match="Aucune relance"):
        runs.validate(run)
    with pytest.raises(DomainError, match="motif"):
        bailiff.lift_bailiff(unpaid.regie, unpaid.family, "")
    bailiff.lift_bailiff(unpaid.regie, unpaid.family, "Dette soldée auprès de l'huissier")
    with pytest.raises(DomainError, match="n'est pas chez l'huissier"):
        bailiff.lift_bailiff(unpaid.regie, unpaid.family, "encore")
    assert [due.family for due in runs.select(run).kept] == [unpaid.family]
    (created,) = audit(session, "family_at_bailiff", "create")
    (lifted,) = audit(session, "family_at_bailiff", "delete")
    assert created.changes == {"reason": [None, "Dossier 2026-118, Maître Durand"]}
    assert lifted.changes == {"reason": ["Dossier 2026-118, Maître Durand", None],
                              "lifted": [None, "Dette soldée auprès de l'huissier"]}


def test_two_agents_sending_a_family_to_the_bailiff_at_once_get_a_french_refusal(unpaid, session, monkeypatch):  # noqa: F811
    bailiff.send_to_bailiff(unpaid.regie, unpaid.family, "Dossier 118")
    monkeypatch.setattr(bailiff, "at_bailiff", lambda *_: None)  # the other agent's row came after the check
    with pytest.raises(DomainError, match="déjà chez l'huissier"):
        bailiff.send_to_bailiff(unpaid.regie, unpaid.family, "Dossier 119")
    assert session.scalars(sa.select(FamilyAtBailiff.reason)).all() == ["Dossier 118"]
    assert len(audit(session, "family_at_bailiff", "create")) == 1


def test_the_treasury_may_take_only_the_invoices_past_the_last_reminder_level(unpaid, session,  # noqa: F811
                                                                               monkeypatch):
    monkeypatch.setattr(runs, "today", lambda: date(2026, 7, 1))  # validated in July
    runs.validate(run_of(unpaid, RunMode.BALANCE, reminder_date=date(2026, 7, 1)))  # level 1: March and April
    second = run_of(unpaid, RunMode.INVOICE, date(2026, 7, 20), reminder_date=date(2026, 7, 20))
    runs.choose_families(second, {unpaid.april.id})
    (last,) = runs.validate(second)  # March at level 2, the last
    assert last.last and last.pay_by == date(2026, 8, 3) < today()
    data = {"reference_date": date(2026, 6, 30), "fiscal_year": 2026, "first_title_number": 1,
            "minimum_amount": D("1.00")}
    every = selection.select(title_runs.open_run(unpaid.regie, {**data, "bordereau_number": 1}))
    assert {invoice for debts in every.titles for invoice in debts.invoices} == {
        unpaid.march, unpaid.april, unpaid.other_march}
    run = title_runs.open_run(unpaid.regie, {**data, "bordereau_number": 2, "after_last_reminder": True})
    (bernard,) = selection.select(run).titles
    assert bernard.invoices == [unpaid.march]
    (created,) = [e for e in audit(session, "title_run", "create") if e.entity_id == run.id]
    assert created.changes["after_last_reminder"] == [None, True]


def test_the_screens_by_invoice_and_the_bailiff_on_the_account(unpaid, login, make_user, make_org, make_regie,  # noqa: F811
                                                               make_family, session):
    client = login(make_user(unpaid.org))
    base = f"/o/{unpaid.org.id}/relances"
    assert "Par facture" in client.get(f"{base}/").text
    response = client.post_form(f"{base}/nouvelle?regie={unpaid.regie.id}", {
        "mode": "facture", "reference_date": "2026-06-30", "reminder_date": "2026-07-02", "issued_from": "",
        "issued_to": "", "threshold": ""})
    assert response.status_code in (302, 303), response.text
    run = session.scalars(sa.select(ReminderRun)).one()
    assert (run.mode, run.reminder_date) == (RunMode.INVOICE, date(2026, 7, 2))
    page = client.get(f"{base}/{run.id}")
    assert unpaid.march.number in page.text and "facture(s) relancée(s)" in page.text
    client.post_form(f"{base}/{run.id}/familles", {"shown": [unpaid.march.id, unpaid.april.id],
                                                   "kept": [unpaid.march.id]})
    assert session.get(ReminderRun, run.id, populate_existing=True).excluded == [unpaid.april.id]
    refused = client.post_form(f"{base}/nouvelle?regie={unpaid.regie.id}", {
        "mode": "solde", "reference_date": "2026-06-30", "reminder_date": "2026-06-01"})
    assert refused.status_code == 422 and "avant la date arrêtée" in refused.text
    account = f"/o/{unpaid.org.id}/caisse/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/compte"
    assert "Confier à l'huissier" in client.get(account).text
    bailiff_url = f"{base}/familles/{unpaid.family.id}/regies/{unpaid.regie.id}/huissier"
    assert client.post_form(bailiff_url, {"reason": "Dossier 118"}).status_code in (302, 303)
    assert bailiff.at_bailiff(unpaid.regie.id, unpaid.family.id).reason == "Dossier 118"
    shown = client.get(account).text
    assert "Chez l'huissier" in shown and "Dossier 118" in shown and "Lever l'huissier" in shown
    client.post_form(f"{bailiff_url}/levee", {"reason": ""})  # a lift needs its reason
    assert bailiff.at_bailiff(unpaid.regie.id, unpaid.family.id) is not None
    client.post_form(f"{bailiff_url}/levee", {"reason": "Soldé"})
    assert bailiff.at_bailiff(unpaid.regie.id, unpaid.family.id) is None
    # Another organisation's family, or its régie, is a 404.
    elsewhere = make_org()
    stranger, other_regie = make_family(elsewhere, last_name="Autre"), make_regie(elsewhere)
    assert client.post_form(f"{base}/familles/{stranger.id}/regies/{unpaid.regie.id}/huissier",
                            {"reason": "x"}).status_code == 404
    assert client.post_form(f"{base}/familles/{unpaid.family.id}/regies/{other_regie.id}/huissier",
                            {"reason": "x"}).status_code == 404
    assert session.scalar(sa.select(sa.func.count()).select_from(FamilyAtBailiff)) == 0


def test_the_database_keeps_a_validated_runs_mode(unpaid, session):  # noqa: F811
    run = run_of(unpaid, RunMode.INVOICE)
    runs.validate(run)
    session.flush()
    with pytest.raises(sa.exc.DatabaseError):  # the database keeps a validated run as it was
        with session.begin_nested():
            session.execute(sa.update(ReminderRun).where(ReminderRun.id == run.id).values(mode=RunMode.BALANCE))


def test_the_pages_of_a_run_by_child_and_the_treasury_option(unpaid, login, make_user, session):  # noqa: F811
    draft = run_of(unpaid, RunMode.CHILD, issued_from=date(2026, 4, 1)).id
    validated = run_of(unpaid, RunMode.CHILD, issued_to=date(2026, 4, 30))  # March; the draft keeps April
    runs.validate(validated)
    client = login(make_user(unpaid.org))
    page = client.get(f"/o/{unpaid.org.id}/relances/{draft}").text
    assert "Léo BERNARD" in page and "Par enfant" in page and "01/04/2026" in page
    assert client.get(f"/o/{unpaid.org.id}/relances/{validated.id}/lettres.pdf").data.startswith(b"%PDF")
    base = f"/o/{unpaid.org.id}/tresor"
    assert "Seulement après le dernier niveau de relance" in client.get(f"{base}/").text
    response = client.post_form(f"{base}/nouvelle?regie={unpaid.regie.id}", {
        "reference_date": "2026-06-30", "bordereau_number": "31", "first_title_number": "412",
        "minimum_amount": "", "object": "", "after_last_reminder": "y"})
    assert response.status_code in (302, 303), response.text
    page = client.get(response.headers["Location"]).text
    assert "après le dernier niveau de relance" in page and "BERNARD" not in page  # level 1 only: nothing yet


def test_an_activity_with_levels_of_its_own_chases_the_invoices_that_bill_it_alone(unpaid, make_regie,  # noqa: F811
                                                                                    make_activity):
    canteen = {"activity_id": unpaid.canteen.id, "after_previous": True, "minimum_amount": D("0")}
    first = levels.add_level(unpaid.regie, {**canteen, "rank": 1, "delay_days": 60, "fee": D("0")})
    levels.add_level(unpaid.regie, {**canteen, "rank": 2, "delay_days": 15, "fee": D("3.00"), "last": True})
    with pytest.raises(DomainError, match="existe déjà pour cette activité"):
        levels.add_level(unpaid.regie, {**canteen, "rank": 2, "delay_days": 1})
    elsewhere = make_activity(make_regie(unpaid.org))
    with pytest.raises(DomainError, match="activité de la régie") as refused:
        levels.add_level(unpaid.regie, {"activity_id": elsewhere.id, "rank": 1, "delay_days": 1})
    assert refused.value.field == "activity_id"
    attend(unpaid.child, unpaid.canteen, 5, 4)
    attend(unpaid.child, unpaid.care, 5, 4)
    may = bill(unpaid, 5)[unpaid.family.id]  # canteen and care: the régie's levels
    draft = runs.select(run_of(unpaid, RunMode.INVOICE, date(2026, 7, 20)))
    rows = {due.invoices[0]: (due.level, due.kept) for due in draft.families}
    # March (canteen alone): 60 days after 28/04; April's 60 days are not over; Arnaud's 4.00 has no minimum.
    assert rows[unpaid.march] == (first, True) and unpaid.april not in rows
    assert rows[unpaid.other_march] == (first, True)
    assert rows[may][0] == levels.levels_of(unpaid.regie.id)[0] and may.due_on + timedelta(days=10) <= date(2026, 7, 20)
    sent = runs.validate(draft.run)
    assert {r.invoices[0].invoice_id: r.next_fee for r in sent} == {
        unpaid.march.id: D("3.00"), unpaid.other_march.id: D("3.00"), may.id: D("10.00")}


def test_a_level_of_an_activity_is_added_on_the_page(unpaid, login, make_user, make_regie, make_activity):  # noqa: F811
    stranger = make_activity(make_regie(unpaid.org)).id
    client = login(make_user(unpaid.org))
    url = f"/o/{unpaid.org.id}/relances/niveaux?regie={unpaid.regie.id}"
    level = {"rank": "1", "delay_days": "30", "fee": "0", "minimum_amount": ""}
    for wrong in (str(stranger), "abc"):
        refused = client.post_form(url, {**level, "activity_id": wrong})
        assert refused.status_code == 422, wrong
    assert "activité de la régie" in client.post_form(url, {**level, "activity_id": str(stranger)}).text
    assert client.post_form(url, {**level, "activity_id": str(unpaid.canteen.id)}).status_code in (302, 303)
    (added,) = levels.levels_of(unpaid.regie.id, unpaid.canteen.id)
    assert added.delay_days == 30
    page = client.get(f"/o/{unpaid.org.id}/relances/?regie={unpaid.regie.id}").text
    assert page.count(f"<td>{unpaid.canteen.name}</td>") == 1
    assert client.get(f"/o/{unpaid.org.id}/relances/niveaux/{added.id}").status_code == 200
