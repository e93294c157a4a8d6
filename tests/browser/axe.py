"""axe-core accessibility check for browser tests (axe-playwright-python ships axe-core)."""

from axe_playwright_python.sync_playwright import Axe

_axe = Axe()
FAILING_IMPACTS = {"serious", "critical"}


def assert_accessible(page) -> None:
    results = _axe.run(page)
    violations = [
        v for v in results.response.get("violations", []) if v.get("impact") in FAILING_IMPACTS
    ]
    if violations:
        lines = [
            f"{v['impact']}: {v['id']} – {v['help']} ({len(v['nodes'])} nodes: "
            + ", ".join(str(n.get("target")) for n in v["nodes"][:3])
            + ")"
            for v in violations
        ]
        raise AssertionError(
            f"axe found serious accessibility problems on {page.url}:\n" + "\n".join(lines)
        )
