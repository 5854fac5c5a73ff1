from django.templatetags.static import static


def test_favicon_ico_redirects_to_svg(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("img/favicon.svg")


def test_sign_in_page_links_icon(client):
    response = client.get("/accounts/sign-in/")
    assert b'rel="icon"' in response.content
