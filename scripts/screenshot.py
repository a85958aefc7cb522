"""Write docs/screenshot-plan.png: the demo warehouse project's plan page.

Starts the app on a throwaway SQLite database with the demo data, serves it
on a free local port, logs in as the demo owner in headless Chromium and
saves the top of the plan page, 1360 px wide, down to the end of the Gantt
chart (about 1500 px; ``--height`` crops elsewhere, 0 keeps the whole page).

    .venv/bin/python scripts/screenshot.py [--out docs/screenshot-plan.png] [--height PX]
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from coordinator import create_app  # noqa: E402
from coordinator.database import upgrade  # noqa: E402
from coordinator.demo import seed_demo  # noqa: E402
from coordinator.extensions import db  # noqa: E402
from coordinator.projects.models import Project  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "screenshot-demo"
# A fixed planning date keeps the picture stable: the demo land date is 90 days later (2026-09-14, a Monday).
TODAY = dt.date(2026, 6, 16)
WIDTH = 1360


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot-plan.png")
    parser.add_argument("--height", type=int, default=None,
                        help="crop to this many pixels from the top (default: below the Gantt chart; 0: whole page)")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(tmp) / 'demo.sqlite'}", "SECRET_KEY": "screenshot"})
        upgrade(app)
        with app.app_context():
            seed_demo(PASSWORD, today=TODAY)
            project_id = db.session.scalar(select(Project.id).where(Project.name == "滨海新区智能物流仓库"))
            db.session.remove()

        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM, headless=True,
                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                page = browser.new_page(base_url=base, viewport={"width": WIDTH, "height": 900}, locale="zh-CN")
                page.goto("/login")
                page.fill("#username", "demo-owner")
                page.fill("#password", PASSWORD)
                page.click("form button[type=submit]")
                page.wait_for_url("**/owner/projects")
                page.goto(f"/owner/projects/{project_id}")
                page.wait_for_selector(".chart.gantt svg rect.bar")
                page.evaluate("document.fonts.ready")
                args.out.parent.mkdir(parents=True, exist_ok=True)
                full = page.evaluate("document.documentElement.scrollHeight")
                if args.height is None:  # the verdict, the totals and the whole Gantt chart with its legend
                    box = page.locator(".chart.gantt").bounding_box()
                    height = min(full, int(box["y"] + box["height"]) + 24)
                else:
                    height = min(full, args.height) if args.height else full
                page.screenshot(path=str(args.out), full_page=True,
                                clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
                browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    print(f"wrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out} ({WIDTH}x{height}, page {full} px)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
