"""The frame around the pages: the favicon, the home page of each role."""


def test_the_favicon_answers_where_browsers_ask_for_it(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer.location.endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    icon.close()
