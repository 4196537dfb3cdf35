"""How fast the review page lets a reviewer decide: Chromium (through Playwright) presses `a` (accept) on every
candidate of a small run as fast as it can, page after page, without waiting for the server; the page shows each
decision at once and sends them in order in the background.

    python benchmarks/review_speed.py                     # a digits run made here, 320 candidates
    python benchmarks/review_speed.py --run RUN --screenshot nbs/images/review.png

The picture shows the run's noise estimate above the candidates when its metrics.json has one (`noise_estimate`).

Prints decisions per minute with the keyboard alone, the same with the page turns (a page turn waits until the
page's decisions are stored), the seconds until every decision is stored, and the server round trip of a
decision as the browser saw it (median and 90th percentile). Needs Debian's chromium and `pip install playwright`."""
import argparse, tempfile, time, warnings
from pathlib import Path
import numpy as np, torch
from playwright.sync_api import sync_playwright
from fastai_elr.config import DEFAULTS, check
from fastai_elr.run import train
from fastai_elr.review import Review, ReviewServer, launch_chromium
from fastai_elr.decisions import read_decisions

PENDING0 = "() => document.querySelector('main').dataset.pending === '0'"

def digits_run(folder):
    "A small ELR run on the digits (40% noise, an MLP, 3 epochs)"
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        train(check(dict(DEFAULTS, name='digits_speed', arch='mlp', epochs=3)), folder, quiet=True, log=lambda m: None)
    return folder

def measure(tab, url, n):
    "Accept the first `n` candidates by keyboard; key time, total time, round trips (ms)"
    trips = []
    tab.on('requestfinished', lambda r: r.url.endswith('/decide') and trips.append(r.timing['responseEnd'] - r.timing['requestStart']))
    tab.goto(url)
    keys, t0, done = 0., time.perf_counter(), 0
    while done < n:
        todo = min(tab.locator(".card[data-decision='']").count(), n - done)
        last_page = not tab.evaluate("() => document.querySelector('main').dataset.next")
        k0 = time.perf_counter()
        for i in range(todo - 1): tab.keyboard.press('a')
        keys += time.perf_counter() - k0
        if done + todo < n and not last_page:   # the page's last decision turns the page once its decisions are stored
            with tab.expect_navigation(): tab.keyboard.press('a')
        else:
            k0 = time.perf_counter(); tab.keyboard.press('a'); keys += time.perf_counter() - k0
        done += todo
    tab.wait_for_function(PENDING0)
    return keys, time.perf_counter() - t0, trips

def screenshot(review, fn):
    "A picture of the page with a few decisions made"
    with ReviewServer(review) as srv, sync_playwright() as pw:
        b = launch_chromium(pw)
        tab = b.new_page(viewport={'width': 1280, 'height': 900})
        tab.goto(srv.url)
        tab.wait_for_function("() => [...document.querySelectorAll('.card img')].slice(0, 12).every(i => i.complete && i.naturalWidth)")
        for k in 'aaakax': tab.keyboard.press(k)
        tab.keyboard.press('ArrowRight')
        tab.wait_for_function(PENDING0)
        tab.screenshot(path=str(fn))
        b.close()

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--run', help="run folder of elr_train (default: a small digits run made here)")
    p.add_argument('-n', type=int, default=320, help="decisions to make")
    p.add_argument('--screenshot', help="also save a picture of the page here")
    a = p.parse_args()
    torch.set_num_threads(1)
    tmp = Path(tempfile.mkdtemp())
    run = Path(a.run) if a.run else digits_run(tmp/'run')
    if a.screenshot: screenshot(Review.from_run(run, db=tmp/'shot.sqlite'), a.screenshot)
    rv = Review.from_run(run, db=tmp/'speed.sqlite', top=a.n)
    with ReviewServer(rv) as srv, sync_playwright() as pw:
        browser = launch_chromium(pw)
        keys, total, trips = measure(browser.new_page(), srv.url, a.n)
        browser.close()
    stored = len(read_decisions(tmp/'speed.sqlite'))
    assert stored == a.n, f"{stored} of {a.n} decisions stored"
    print(f"{a.n} keyboard decisions, {stored} stored; machine shared, timings are wall clock")
    print(f"  keyboard alone:            {a.n / keys * 60:8.0f} decisions/min ({keys / a.n * 1000:.1f} ms a key, Playwright's own cost included)")
    print(f"  with page turns, all kept: {a.n / total * 60:8.0f} decisions/min ({total:.1f} s until every decision was stored)")
    print(f"  server round trip:         median {np.median(trips):.1f} ms, 90th percentile {np.percentile(trips, 90):.1f} ms ({len(trips)} requests)")
