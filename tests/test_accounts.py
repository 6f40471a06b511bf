"""Accounts on a server several communes share: invitations instead of passwords chosen by others, sessions
that end, delays after failed logins that never shut the real user out."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
import sqlalchemy as sa
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from tests.fixtures import PASSWORD, link_in
from webapp import configure_settings, housekeeping
from webapp.auth import passwords
from webapp.auth.models import AttemptOutcome, Invitation, LoginAttempt, Role, User
from webapp.auth.services import create_user, grant
from webapp.db import aware, utcnow

NEW_PASSWORD = "quatre-chevaux-sous-la-pluie"


def _accept(client, message, **data):
    client.fetch_csrf()
    response = client.post_form(link_in(message), data)
    client.fetch_csrf()  # accepting logs in, which draws a new token
    return response


def test_inviting_says_the_same_whether_or_not_the_address_has_an_account(login, make_user, make_org, outbox):
    org, other = make_org(), make_org()
    existing = make_user(other, Role.ADMIN)
    admin = login(make_user(org))
    answers = []
    for email in (existing.email, "personne@example.org"):
        response = admin.post_form(f"/o/{org.id}/utilisateurs/nouveau", {"email": email, "role": "agent"})
        flashed = re.search(r'<p class="flash[^"]*">([^<]*)', admin.get(response.location).get_data(as_text=True))
        answers.append((response.status_code, flashed.group(1).replace(email, "…")))
    assert answers[0] == answers[1]
    assert [m["To"] for m in outbox] == [existing.email, "personne@example.org"]


def test_an_existing_account_joins_with_its_own_password_and_nobody_elses(login, make_user, make_org, outbox,
                                                                          client, session):
    org, other = make_org(), make_org()
    existing = make_user(other, Role.AGENT)
    admin = login(make_user(org))
    admin.post_form(f"/o/{org.id}/utilisateurs/nouveau", {"email": existing.email, "role": "lecteur"})
    admin.post_form("/deconnexion")
    (invitation,) = outbox
    refused = _accept(client, invitation, password="mot-de-passe-de-l-autre-commune")
    assert refused.status_code == 422 and "Mot de passe incorrect" in refused.get_data(as_text=True)
    assert _accept(client, invitation, password=PASSWORD).status_code == 303
    assert session.get(User, existing.id).membership_in(org.id).role is Role.READER
    client.post_form("/deconnexion")
    assert client.login(existing).status_code == 303  # its password is still its own


def test_an_account_left_without_organisation_is_not_reusable_with_its_old_password(
        login, make_user, make_org, outbox, client, session):
    """An administrator of one commune made an account for an address of another, with a password of their
    choosing, then removed it from their commune: the other commune's invitation makes its owner choose anew."""
    rogue_org, victim_org = make_org(), make_org()
    planted = make_user(rogue_org, Role.READER, email="prenom.nom@autre-commune.example")
    rogue = login(make_user(rogue_org))
    rogue.post_form(f"/o/{rogue_org.id}/utilisateurs/{planted.membership_in(rogue_org.id).id}/retrait")
    rogue.post_form("/deconnexion")
    victim_admin = login(make_user(victim_org))
    victim_admin.post_form(f"/o/{victim_org.id}/utilisateurs/nouveau", {"email": planted.email, "role": "agent"})
    victim_admin.post_form("/deconnexion")
    (invitation,) = outbox
    page = client.get(link_in(invitation)).get_data(as_text=True)
    assert 'name="confirm"' in page  # a new password, not the planted one
    assert _accept(client, invitation, password=NEW_PASSWORD, confirm=NEW_PASSWORD).status_code == 303
    client.post_form("/deconnexion")
    assert client.login(planted, PASSWORD).status_code == 200  # the planted password no longer opens it
    assert client.login(planted, NEW_PASSWORD).status_code == 303
    assert session.get(User, planted.id).membership_in(victim_org.id).role is Role.AGENT


def test_an_administrator_manages_a_shared_account_in_their_own_organisation(login, make_user, make_org, outbox,
                                                                             client, session):
    home, other = make_org(), make_org()
    shared = make_user(home, Role.AGENT)
    grant(shared, other, Role.AGENT)
    admin = login(make_user(home))
    membership = shared.membership_in(home.id)
    assert admin.post_form(f"/o/{home.id}/utilisateurs/{membership.id}", {"role": "agent"}).status_code == 303
    assert session.get(User, shared.id).membership_in(home.id).active is False
    assert admin.post_form(f"/o/{home.id}/utilisateurs/{membership.id}/reinitialisation").status_code == 303
    assert [m["To"] for m in outbox] == [shared.email]
    admin.post_form("/deconnexion")
    assert client.login(shared).status_code == 303
    assert client.get(f"/o/{home.id}/familles/").status_code == 404  # suspended here
    assert client.get(f"/o/{other.id}/familles/").status_code == 200  # still at home elsewhere


def test_logging_out_ends_every_session_and_remember_me_cookie(app, make_user, make_org):
    user = make_user(make_org())
    first, second = app.test_client(), app.test_client()
    for client in (first, second):
        client.fetch_csrf()
        assert client.post_form("/connexion", {"email": user.email, "password": PASSWORD,
                                               "remember": "y"}).status_code == 303
        client.fetch_csrf()
    assert second.get("/").status_code == 302 and "/connexion" not in second.get("/").location
    first.post_form("/deconnexion")
    assert "/connexion" in second.get("/").location
    second.delete_cookie("session", domain="regie.test")  # only the « remember me » cookie is left
    assert "/connexion" in second.get("/").location


def test_changing_ones_password_ends_the_other_sessions(app, login, make_user, make_org):
    user = make_user(make_org())
    elsewhere = app.test_client()
    elsewhere.login(user)
    client = login(user)
    url = "/compte/mot-de-passe"
    assert client.get(url).status_code == 200
    wrong = client.post_form(url, {"current_password": "pas-le-bon", "password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "pas votre mot de passe actuel" in wrong.get_data(as_text=True)
    for weak in ("azertyuiop", "motdepasse123", user.email.split("@")[0] + "2026"):
        response = client.post_form(url, {"current_password": PASSWORD, "password": weak, "confirm": weak})
        assert response.status_code == 422, weak
    assert client.post_form(url, {"current_password": PASSWORD, "password": NEW_PASSWORD,
                                  "confirm": NEW_PASSWORD}).status_code == 303
    assert "/connexion" not in (client.get("/").location or "")  # this session goes on
    assert "/connexion" in elsewhere.get("/").location


def test_a_forgotten_password_is_reset_by_a_link_that_serves_once(client, make_user, make_org, outbox):
    user = make_user(make_org())
    client.fetch_csrf()
    # The same page either way, but for the CSRF token's timestamp (a second may pass between the two).
    answers = [re.sub(r'"X-CSRFToken": "[^"]+"', "", client.post_form(
        "/mot-de-passe-oublie", {"email": email}, follow_redirects=True).get_data(as_text=True))
        for email in (user.email, "inconnu@example.org")]
    assert answers[0] == answers[1] and "Si cette adresse correspond" in answers[0]
    (message,) = outbox
    assert message["To"] == user.email
    client.fetch_csrf()
    assert client.post_form(link_in(message), {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    assert client.get(link_in(message)).status_code == 404
    assert client.login(user, NEW_PASSWORD).status_code == 303


def test_a_login_does_the_same_work_whether_or_not_the_address_exists(client, make_user, monkeypatch):
    user = make_user()
    calls = []
    class Counting(PasswordHasher):
        def verify(self, *args):
            calls.append(1)
            return super().verify(*args)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    client.fetch_csrf()
    answers = []
    for email in (user.email, "inconnu@example.org"):
        page = client.post_form("/connexion", {"email": email, "password": "mauvais-mot"}).get_data(as_text=True)
        answers.append(re.search(r'<div class="alert error".*?</div>', page, re.S).group(0))
    assert calls == [1, 1] and answers[0] == answers[1]


def _fail(client, email, times):
    for _ in range(times):
        client.post_form("/connexion", {"email": email, "password": "mauvais"})


def _age(session, email, minutes):
    """As if the attempts had been made `minutes` earlier (in Python: SQLite stores times as text)."""
    for attempt in session.scalars(sa.select(LoginAttempt).where(LoginAttempt.email == email)):
        attempt.at = aware(attempt.at) - timedelta(minutes=minutes)
    session.flush()


def test_failed_logins_delay_the_account_longer_each_time_and_an_administrator_unlocks_it(
        app, client, login, make_user, make_org, session):
    org = make_org()
    user = make_user(org, Role.AGENT)
    client.fetch_csrf()
    _fail(client, user.email, app.config["LOGIN_MAX_FAILURES"])
    refused = client.login(user)
    assert refused.status_code == 200 and "réessayez dans 1 minute" in refused.get_data(as_text=True)
    _age(session, user.email, 2)  # the minute has passed: one more failure doubles the delay
    _fail(client, user.email, 1)
    assert "réessayez dans 2 minute" in client.login(user).get_data(as_text=True)
    _age(session, user.email, 3)
    assert client.login(user).status_code == 303  # the delay is over: the real user gets in
    client.post_form("/deconnexion")
    _fail(client, user.email, app.config["LOGIN_MAX_FAILURES"])
    admin = app.test_client()
    admin.login(make_user(org))
    membership = user.membership_in(org.id)
    assert "Connexion bloquée" in admin.get(f"/o/{org.id}/utilisateurs/").get_data(as_text=True)
    assert admin.post_form(f"/o/{org.id}/utilisateurs/{membership.id}/deblocage").status_code == 303
    assert client.login(user).status_code == 303


def test_an_unknown_address_is_delayed_like_a_real_one(app, client):
    client.fetch_csrf()
    _fail(client, "inconnu@example.org", app.config["LOGIN_MAX_FAILURES"])
    response = client.post_form("/connexion", {"email": "inconnu@example.org", "password": "x"})
    assert "réessayez dans 1 minute" in response.get_data(as_text=True)


def test_the_forwarded_address_is_trusted_only_when_configured(app, client, make_user, session):
    user = make_user()
    client.fetch_csrf()
    client.post_form("/connexion", {"email": user.email, "password": "mauvais"},
                     headers={"X-Forwarded-For": "203.0.113.7"})
    assert session.scalar(sa.select(LoginAttempt.ip).where(LoginAttempt.email == user.email)) == "127.0.0.1"
    behind_proxy = Flask("regie-behind-proxy")
    configure_settings(behind_proxy, {"PROXY_FIX_X_FOR": 1, "SECRET_KEY": "x"})
    assert isinstance(behind_proxy.wsgi_app, ProxyFix)


def test_the_csrf_token_is_renewed_at_login(client, make_user, make_org):
    user = make_user(make_org())
    before = client.fetch_csrf()
    assert client.post("/connexion", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": before}).status_code == 303
    assert client.fetch_csrf() != before
    client.csrf_token = before
    assert client.post_form("/deconnexion").status_code == 400


def test_housekeeping_forgets_old_attempts(app, client, session):
    client.fetch_csrf()
    _fail(client, "ancien@example.org", 1)
    _age(session, "ancien@example.org", 60 * 24 * (app.config["LOGIN_ATTEMPTS_KEEP_DAYS"] + 1))
    _fail(client, "recent@example.org", 1)
    with app.app_context():
        assert housekeeping.tidy()["login_attempts"] == 1
        session.commit()
    assert session.scalars(sa.select(LoginAttempt.email)).all() == ["recent@example.org"]


def test_an_old_invitation_no_longer_opens(login, make_user, make_org, outbox, client, session):
    org = make_org()
    admin = login(make_user(org))
    admin.post_form(f"/o/{org.id}/utilisateurs/nouveau", {"email": "tard@example.org", "role": "agent"})
    admin.post_form("/deconnexion")
    session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    assert client.get(link_in(outbox[0])).status_code == 404


@pytest.mark.parametrize("password", ["court", "0123456789", "azertyuiop", "x" * 200])
def test_the_password_rule_refuses_short_common_and_trivial_passwords(password):
    with pytest.raises(Exception, match="mot de passe"):
        create_user({"email": "regle@example.org", "full_name": "Règle", "password": password})


def test_the_login_records_each_outcome(client, make_user, session):
    user = make_user()
    client.fetch_csrf()
    _fail(client, user.email, 1)
    client.login(user)
    outcomes = session.scalars(sa.select(LoginAttempt.outcome).where(LoginAttempt.email == user.email)
                               .order_by(LoginAttempt.id)).all()
    assert outcomes == [AttemptOutcome.FAILURE, AttemptOutcome.SUCCESS]


def test_a_link_in_an_e_mail_names_the_configured_address_whatever_host_the_request_claims(app, make_user, outbox):
    user = make_user()
    client = app.test_client()
    server_name = app.config["SERVER_NAME"]
    app.config["SERVER_NAME"] = None  # as behind a proxy that passes the Host on
    forged = {"Host": "attacker.example"}
    try:
        page = client.get("/mot-de-passe-oublie", headers=forged).get_data(as_text=True)
        token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
        assert client.post("/mot-de-passe-oublie", data={"email": user.email, "csrf_token": token},
                           headers=forged).status_code == 303
    finally:
        app.config["SERVER_NAME"] = server_name
    (message,) = outbox
    assert "attacker" not in message.get_content()
    assert f"{app.config['BASE_URL']}/mot-de-passe/" in message.get_content()


def test_the_owner_logs_in_from_a_known_browser_while_someone_else_hammers_the_address(app, make_user):
    user = make_user()
    owner, attacker = app.test_client(), app.test_client()
    assert owner.login(user).status_code == 303  # the browser is now known to the account
    owner.fetch_csrf()
    owner.post_form("/deconnexion")
    attacker.fetch_csrf()
    _fail(attacker, user.email, app.config["LOGIN_MAX_FAILURES"])
    assert "réessayez dans" in attacker.login(user).get_data(as_text=True)
    assert owner.login(user).status_code == 303


def test_a_reset_link_is_sent_once_in_a_few_minutes_whatever_the_requests(client, make_user, outbox):
    user = make_user()
    client.fetch_csrf()
    for _ in range(3):
        client.post_form("/mot-de-passe-oublie", {"email": user.email})
    assert len(outbox) == 1


def test_an_account_whose_password_an_administrator_chose_gets_a_new_one_from_its_owner(
        login, make_user, make_org, outbox, client, session):
    home, other = make_org(), make_org()
    member = make_user(home, Role.AGENT)
    member.password_chosen_by_owner = False  # made by an administrator, before invitations
    admin = login(make_user(other))
    admin.post_form(f"/o/{other.id}/utilisateurs/nouveau", {"email": member.email, "role": "agent"})
    admin.post_form("/deconnexion")
    (invitation,) = outbox
    assert 'name="confirm"' in client.get(link_in(invitation)).get_data(as_text=True)
    assert _accept(client, invitation, password=NEW_PASSWORD, confirm=NEW_PASSWORD).status_code == 303
    assert session.get(User, member.id).password_chosen_by_owner
