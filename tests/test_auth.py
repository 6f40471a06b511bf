import sqlalchemy as sa

from webapp.auth.models import Role, User
from tests.fixtures import PASSWORD, link_in


def test_login_page_is_french_and_wrong_password_is_refused(client, make_user):
    user = make_user()
    client.fetch_csrf()
    response = client.post_form("/connexion", {"email": user.email, "password": "mauvais"})
    assert response.status_code == 200
    assert "Adresse e-mail ou mot de passe incorrect." in response.get_data(as_text=True)


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


def test_admin_invites_a_user_with_a_role_limited_to_one_regie(login, make_user, make_org, make_regie, session,
                                                                outbox, client):
    org = make_org()
    regie = make_regie(org)
    make_regie(org)
    admin = login(make_user(org))
    response = admin.post_form(f"/o/{org.id}/utilisateurs/nouveau", {
        "full_name": "Nina Agent", "email": "Nina@Example.org", "role": "agent", "regies": [str(regie.id)]})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "nina@example.org" in admin.get(f"/o/{org.id}/utilisateurs/").get_data(as_text=True)
    admin.post_form("/deconnexion")
    (invitation,) = outbox
    client.fetch_csrf()
    page = client.get(link_in(invitation)).get_data(as_text=True)
    assert "Rejoindre " + org.name in page and "Nina Agent" in page
    weak = client.post_form(link_in(invitation), {"full_name": "Nina Agent", "password": "motdepasse123",
                                                  "confirm": "motdepasse123"})
    assert weak.status_code == 422 and "trop courant" in weak.get_data(as_text=True)
    password = "nina-range-les-cahiers-verts"
    assert client.post_form(link_in(invitation), {"full_name": "Nina Agent", "password": password,
                                                  "confirm": password}).status_code == 303
    nina = session.scalar(sa.select(User).where(User.email == "nina@example.org"))
    membership = nina.membership_in(org.id)
    assert membership.role is Role.AGENT
    assert [r.id for r in membership.visible_regies()] == [regie.id]
    # An invitation serves once.
    assert client.get(link_in(invitation)).status_code == 404
