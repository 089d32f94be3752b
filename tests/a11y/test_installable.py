"""Observe installs as an app: a complete manifest with real PNG icons (any and maskable),
iOS home-screen tags, and the install invitation's text in both languages."""
from __future__ import annotations

import struct

from tests.conftest import login


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "a real PNG"
    return struct.unpack(">II", data[16:24])


def test_manifest_is_installable_with_real_icons(client):
    manifest = client.get("/manifest.webmanifest").get_json()
    assert manifest["name"] == "Observe" and manifest["short_name"] == "Observe"
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    assert manifest["start_url"] == "/" and manifest["theme_color"].startswith("#")
    pngs = {}
    for icon in manifest["icons"]:
        if icon["type"] != "image/png":
            continue
        with client.get(icon["src"]) as response:
            assert response.status_code == 200 and response.mimetype == "image/png"
            width, height = png_size(response.get_data())
        assert icon["sizes"] == f"{width}x{height}"
        pngs.setdefault(icon["purpose"], set()).add(width)
    assert {192, 512} <= pngs["any"] and 512 in pngs["maskable"]


def test_maskable_icon_fills_its_square():
    """A launcher crops a maskable icon to any shape: no transparent corner may show."""
    from bench.make_icons import render

    data = render(48, maskable=True)
    import zlib
    raw = zlib.decompress(data[data.index(b"IDAT") + 4:-16])
    alphas = [raw[row * (48 * 4 + 1) + 1 + 4 * x + 3] for row in (0, 47) for x in (0, 47)]
    assert alphas == [255] * 4
    rounded = render(48)
    raw = zlib.decompress(rounded[rounded.index(b"IDAT") + 4:-16])
    assert raw[1 + 3] == 0, "the regular icon has rounded, transparent corners"


def test_pages_link_the_manifest_and_ios_icon(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'rel="manifest" href="/manifest.webmanifest"' in html
    assert '<meta name="theme-color"' in html and 'name="apple-mobile-web-app-capable" content="yes"' in html
    href = html.split('rel="apple-touch-icon" href="')[1].split('"')[0]
    with client.get(href) as icon:
        assert icon.status_code == 200 and png_size(icon.get_data()) == (180, 180)


def test_install_invitation_explains_why_in_swedish(client, teacher):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    assert login(client, teacher).status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "data-install-invite hidden" in html, "hidden until the script finds a tablet"
    assert "säkrast i den installerade appen" in html and "Lägg till på hemskärmen" in html
    assert "<summary>Meny</summary>" in html
