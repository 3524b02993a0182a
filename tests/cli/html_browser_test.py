#!/usr/bin/python3
"""`vpnwire doctor --html` pages rendered by a real browser: Debian's Chromium, headless.

For both incident captures the page is screenshot with `chromium --headless --screenshot`
and the test checks
  - the PNG is not blank: enough non-white pixels, the colours of the drawn marks present
    (red late/fragmented marks, blue points or bars, the green recommended line);
  - the browser logged nothing from the page: no console message, no Content-Security-Policy
    violation (a fetch of anything, a script) -- Chromium prints those as ":CONSOLE" lines
    with --enable-logging=stderr.
Two controls prove the checks can fail: a page with an external image and a script must
log CSP violations, and an empty page must be judged blank.

usage: html_browser_test.py VPNWIRE PROJECT_DIR [SCREENSHOT_DIR]
  SCREENSHOT_DIR: keep the screenshots there (docs/img/ is made this way).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

CLI, ROOT = sys.argv[1], sys.argv[2]
KEEP = sys.argv[3] if len(sys.argv) > 3 else None
CAPS = os.path.join(ROOT, "examples", "captures")
SA1 = ("--esp-sa spi=0xc1000001,enc=aes-cbc,key=0x00112233445566778899aabbccddeeff,auth=hmac-sha1-96,"
       "auth-key=0x0102030405060708090a0b0c0d0e0f1011121314 "
       "--esp-sa spi=0x5e000001,enc=aes-cbc,key=0xffeeddccbbaa99887766554433221100,auth=hmac-sha1-96,"
       "auth-key=0x2122232425262728292a2b2c2d2e2f3031323334 --l2tp-secret demo-secret").split()
SA2 = ("--esp-sa spi=0xa0000001,enc=aes-gcm-16,key=0x000102030405060708090a0b0c0d0e0fcafebabe "
       "--esp-sa spi=0xb0000001,enc=aes-gcm-16,key=0x101112131415161718191a1b1c1d1e1fdeadbeef").split()
PAGES = [
    ("incident1", os.path.join(CAPS, "incident1-l2tp-reorder.pcap"), SA1, 1700),
    ("incident2", os.path.join(CAPS, "incident2-esp-pppoe-mtu.pcap"), SA2, 1500),
]
TMP = tempfile.mkdtemp(prefix="vpnwire-html-browser-")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def browser():
    for b in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(b):
            return b
    return None


def screenshot(page, png, height):
    """Renders `page`; returns Chromium's stderr."""
    env = dict(os.environ, HOME=TMP)
    r = subprocess.run([
        browser(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
        "--enable-logging=stderr", "--v=0", f"--user-data-dir={os.path.join(TMP, 'profile')}",
        f"--window-size=1000,{height}", f"--screenshot={png}", "file://" + os.path.abspath(page)
    ], capture_output=True, text=True, env=env, timeout=240)
    check(r.returncode == 0, f"chromium exit {r.returncode} on {page}")
    return r.stderr


def pixels(png):
    """Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) to RGB tuples."""
    with open(png, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, "unexpected PNG format"
            bpp = 4 if ctype == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = width * bpp
    out, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.extend(tuple(line[i:i + 3]) for i in range(0, stride, bpp))
        prev = line
    return out


def judge(png):
    px = pixels(png)
    ink = sum(1 for p in px if min(p) < 230) / len(px)
    red = sum(1 for r, g, b in px if r > 170 and g < 90 and b < 90)
    blue = sum(1 for r, g, b in px if b > 150 and r < 120)
    green = sum(1 for r, g, b in px if g > 100 and r < 80 and b < 110)
    return ink, red, blue, green


def console_lines(stderr):
    return [l for l in stderr.splitlines() if ":CONSOLE" in l]


if browser() is None:
    print("no chromium: skipped")
    sys.exit(77)

for name, cap, keys, height in PAGES:
    page = os.path.join(TMP, name + ".html")
    png = os.path.join(TMP, name + ".png")
    r = subprocess.run([CLI, "doctor", *keys, "--html", page, cap], capture_output=True, text=True)
    check(r.returncode == 0, f"{name}: doctor exit {r.returncode}")
    err = screenshot(page, png, height)
    check(os.path.exists(png), f"{name}: no screenshot")
    if not os.path.exists(png):
        continue
    ink, red, blue, green = judge(png)
    print(f"{name}: {ink:.1%} of pixels drawn, red {red}, blue {blue}, green {green}")
    check(ink > 0.05, f"{name}: screenshot nearly blank ({ink:.1%})")
    check(red > 200 and blue > 100 and green > 50, f"{name}: the charts' colours are missing")
    logged = console_lines(err)
    check(not logged, f"{name}: the page logged: {logged}")
    if KEEP:
        os.makedirs(KEEP, exist_ok=True)
        shutil.copy(png, os.path.join(KEEP, f"doctor-{name}.png"))

# Controls: the detectors must fire on a page that fetches and runs a script, and on a blank page.
bad = os.path.join(TMP, "bad.html")
with open(bad, "w") as f:
    f.write("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
            "'none'\"></head><body><img src=\"http://192.0.2.1/x.png\"><script>console.log(1)</script></body></html>")
err = screenshot(bad, os.path.join(TMP, "bad.png"), 300)
check(len(console_lines(err)) >= 2, "control: the fetching page logged nothing (the check cannot fail)")
ink, _, _, _ = judge(os.path.join(TMP, "bad.png"))
check(ink < 0.01, f"control: an empty page judged drawn ({ink:.1%})")

shutil.rmtree(TMP, ignore_errors=True)
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all passed")
