"""Dependency audit (`make audit`): pip-audit over the installed environment, against PyPI's
vulnerability data.

Exit 1 on any known vulnerability, or when a package could not be audited. Where the vulnerability
data cannot be reached (no network, or an index mirror that serves packages but not their advisories:
pip-audit would then skip every package and report nothing found), it says so plainly and exits 0;
that is the only case in which it passes without an audit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

# A release with published advisories (CVE-2018-18074 among them): if PyPI lists none for it, the data
# we would audit against is not there.
CANARY = "https://pypi.org/pypi/requests/2.19.0/json"
UNREACHABLE = "vulnerability database not reachable: audit skipped"


def database_reachable() -> tuple[bool, str]:
    try:
        with urllib.request.urlopen(CANARY, timeout=20) as response:  # noqa: S310 (a fixed https URL)
            advisories = json.load(response).get("vulnerabilities") or []
    except (urllib.error.URLError, TimeoutError, ValueError, OSError) as error:
        return False, f"{CANARY}: {error}"
    if not advisories:
        return False, f"{CANARY} lists no advisories for a release known to have some"
    return True, ""


def main() -> int:
    reachable, reason = database_reachable()
    if not reachable:
        print(f"{UNREACHABLE} ({reason})")
        return 0
    pip_audit = Path(sys.executable).with_name("pip-audit")
    result = subprocess.run(
        [str(pip_audit), "--format", "json", "--progress-spinner", "off", "--skip-editable"],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if result.returncode not in (0, 1):
        print(result.stderr, file=sys.stderr)
        print(f"pip-audit failed (exit {result.returncode})")
        return 2
    report = json.loads(result.stdout)
    dependencies = report["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"{dependency['name']} {dependency['version']}: {vuln['id']} (fixed in: {fixed})")
    for dependency in skipped:
        print(f"{dependency['name']}: not audited ({dependency['skip_reason']})")
    audited = len(dependencies) - len(skipped)
    print(
        f"audited {audited} packages: {sum(len(d['vulns']) for d in vulnerable)} known vulnerabilities "
        f"in {len(vulnerable)}, {len(skipped)} not audited"
    )
    return 1 if vulnerable or skipped else 0


if __name__ == "__main__":
    sys.exit(main())
