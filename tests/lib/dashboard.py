#!/usr/bin/python3
# tests/lib/dashboard.py: drives the dnsa dashboard in headless Chromium (Selenium) and prints what a user sees, as JSON.
#   dashboard.py URL TOKEN SCREENSHOT.png [HASH]
# Output: {"signed_in", "who", "zones", "selected", "window", "qps_total", "canvas_painted", "tables": {dim: [[v, q], ...]},
#          "top": [[name, q], ...], "health_rows", "app_error", "signin_error", "states": {...}}
import json
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

url, token, shot = sys.argv[1], sys.argv[2], sys.argv[3]
frag = sys.argv[4] if len(sys.argv) > 4 else ""
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
          "--window-size=1280,1800", "--user-data-dir=" + tempfile.mkdtemp(prefix="dnsa-chromium.")):
    opts.add_argument(a)
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
drv.set_page_load_timeout(20)
out = {}
try:
    drv.get(url + ("#" + frag if frag else ""))
    drv.find_element(By.ID, "token").send_keys(token)
    drv.find_element(By.ID, "signin-button").click()
    deadline = time.time() + 20
    while time.time() < deadline:
        if drv.execute_script("return document.body.dataset.loaded || ''"):
            break
        if drv.execute_script("return !document.getElementById('signin-error').classList.contains('hidden')"):
            break
        time.sleep(0.1)
    js = lambda s: drv.execute_script(s)
    out["signed_in"] = js("return !document.getElementById('app').classList.contains('hidden')")
    out["signin_error"] = js("return document.getElementById('signin-error').textContent")
    out["who"] = js("return document.getElementById('who').textContent")
    out["zones"] = js("return Array.from(document.querySelectorAll('#zone option')).map(o => o.value)")
    out["selected"] = js("return document.getElementById('zone').value")
    out["window"] = js("return [document.body.dataset.from || '', document.body.dataset.to || '']")
    out["qps_total"] = js("return document.getElementById('qps-total').dataset.total || ''")
    out["canvas_painted"] = js("""
        const c = document.getElementById('qps-chart');
        if (!c || !c.width) return 0;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
        return n;""")
    out["tables"] = js("""
        const r = {};
        document.querySelectorAll('.breakdown').forEach(s => {
          r[s.dataset.dim] = Array.from(s.querySelectorAll('tr')).slice(1).map(tr =>
            [tr.cells[0].textContent, tr.cells[1].textContent.replace(/,/g, '')]);
        });
        return r;""")
    out["top"] = js("""return Array.from(document.querySelectorAll('#top tr')).slice(1).map(tr =>
            [tr.cells[0].textContent, tr.cells[1].textContent.replace(/,/g, '')]);""")
    out["nx"] = js("""return Array.from(document.querySelectorAll('#nx tr')).slice(1).map(tr =>
            [tr.cells[0].textContent, tr.cells[1].textContent.replace(/,/g, '')]);""")
    out["latency_state"] = js("return document.querySelector('#latency .state').textContent")
    out["health_visible"] = js("return !document.getElementById('health').classList.contains('hidden')")
    out["health_rows"] = js("return Math.max(0, document.querySelectorAll('#health tr').length - 1)")
    out["app_error"] = js("return document.getElementById('app-error').classList.contains('hidden') ? '' : "
                          "document.getElementById('app-error').textContent")
    out["states"] = js("return Array.from(document.querySelectorAll('.state')).map(e => e.textContent)")
    # a direct call for another zone, from the page, with the same token
    drv.set_script_timeout(10)
    out["other_zone_status"] = drv.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch('/api/v1/zones/zone2.test/qps', {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('dnsa-token')}})
          .then(r => done(r.status)).catch(() => done(-1));""")
    drv.save_screenshot(shot)
finally:
    drv.quit()
print(json.dumps(out))
