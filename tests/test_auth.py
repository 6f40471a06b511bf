import sqlalchemy as sa

from webapp.auth.models import LoginAttempt, Role, User
from webapp.auth.services import grant
from tests.fixtures import PASSWORD


def test_login_page_is_french_and_wrong_password_is_refused(client, make_user):
    user = make_user()
    client.fetch_csrf()
    response = client.post_form("/connexion", {"email": user.email, "password": "mauvais"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


def test_failed_logins_are_limited_even_with_the_right_password_afterwards(app, client, make_user, session):
    user = make_user()
    client.fetch_csrf()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post_form("/connexion", {"email": user.email, "password": "mauvais"})
    response = client.post_form("/connexion", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "Trop de tentatives" in response.get_data(as_text=True)
    failures = session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)
                              .where(LoginAttempt.email == user.email, LoginAttempt.success.is_(False)))
    assert failures == app.config["LOGIN_MAX_FAILURES"]


def test_inactive_user_cannot_log_in(client, make_user):
    user = make_user(active=False)
    assert client.login(user).status_code == 200


def test_an_account_made_on_the_command_line_logs_in_whatever_its_domain(client, make_user):
    """The login looks the address up; it does not judge it (a special-use domain such as .test included)."""
    user = make_user(email="agent@banc.test")
    assert client.login(user).status_code == 303


def test_login_redirects_only_within_the_site(client, make_user, make_org):
    user = make_user(make_org())
    client.fetch_csrf()
    response = client.post("/connexion?next=https://evil.example/", data={
        "email": user.email, "password": PASSWORD, "csrf_token": client.csrf_token})
    assert response.status_code == 303
    assert "evil" not in response.location


def test_pages_need_a_login(client, make_org):
    org = make_org()
    response = client.get(f"/o/{org.id}/familles/")
    assert response.status_code == 302 and "/connexion" in response.location


def test_logout_is_a_post(login, make_user, make_org):
    client = login(make_user(make_org()))
    assert client.get("/deconnexion").status_code == 405
    assert client.post_form("/deconnexion").status_code == 303


def test_roles_decide_what_a_user_may_do(login, make_user, make_org):
    org = make_org()
    reader = login(make_user(org, Role.READER))
    assert reader.get(f"/o/{org.id}/familles/").status_code == 200
    assert reader.get(f"/o/{org.id}/familles/nouvelle").status_code == 403
    assert reader.get(f"/o/{org.id}/regies/nouvelle").status_code == 403
    assert reader.get(f"/o/{org.id}/journal/").status_code == 403


def test_agent_enters_families_but_does_not_manage_regies(login, make_user, make_org):
    org = make_org()
    agent = login(make_user(org, Role.AGENT))
    assert agent.get(f"/o/{org.id}/familles/nouvelle").status_code == 200
    assert agent.get(f"/o/{org.id}/regies/nouvelle").status_code == 403
    assert agent.get(f"/o/{org.id}/utilisateurs/").status_code == 403


def test_admin_adds_a_user_with_a_role_limited_to_one_regie(login, make_user, make_org, make_regie, session):
    org = make_org()
    regie = make_regie(org)
    make_regie(org)
    admin = login(make_user(org))
    response = admin.post_form(f"/o/{org.id}/utilisateurs/nouveau", {
        "full_name": "Nina Agent", "email": "nina@example.org", "role": "agent", "regies": [str(regie.id)],
        "active": "y", "password": "un-mot-de-passe-long"})
    assert response.status_code == 303, response.get_data(as_text=True)
    nina = session.scalar(sa.select(User).where(User.email == "nina@example.org"))
    membership = nina.membership_in(org.id)
    assert membership.role is Role.AGENT
    assert [r.id for r in membership.visible_regies()] == [regie.id]


def test_an_admin_cannot_edit_an_account_shared_with_another_organisation(login, make_user, make_org, session):
    org, other = make_org(), make_org()
    shared = make_user(other, Role.AGENT)
    membership = grant(shared, org, Role.READER)
    admin = login(make_user(org))
    response = admin.post_form(f"/o/{org.id}/utilisateurs/{membership.id}", {
        "full_name": "Renamed", "email": shared.email, "role": "agent", "active": "y",
        "password": "pirated-password"})
    assert response.status_code == 303
    shared = session.get(User, shared.id)
    assert shared.full_name != "Renamed"
    assert shared.membership_in(org.id).role is Role.AGENT
    assert shared.membership_in(other.id).role is Role.AGENT
