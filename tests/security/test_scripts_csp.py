"""Our scripts use nothing the CSP blocks: no eval-like calls (script-src has no
'unsafe-eval') and no inline styles or handlers written into the page from JavaScript."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT_DIRS = ("static/js", "service_worker")

FORBIDDEN = {
    "eval()": re.compile(r"(?<![\w.$])eval\s*\("),
    "new Function()": re.compile(r"\bnew\s+Function\s*\("),
    "setTimeout/setInterval with a string": re.compile(r"\bset(?:Timeout|Interval)\s*\(\s*['\"`]"),
    "style or on* attribute set from script": re.compile(r"setAttribute\(\s*['\"`](?:style|on\w+)['\"`]", re.I),
    "inline style or handler in generated HTML": re.compile(r"""['"`][^'"`\n]*<[a-z][^'"`\n>]*\s(?:style|on[a-z]+)\s*=""",
                                                            re.I),
    "javascript: URL": re.compile(r"""['"`]\s*javascript:""", re.I),
}


def problems_in_script(source: str) -> list[tuple[int, str]]:
    """(line, problem), in line order."""
    return sorted((source.count("\n", 0, match.start()) + 1, name)
                  for name, pattern in FORBIDDEN.items() for match in pattern.finditer(source))


def test_the_scan_finds_what_the_policy_blocks():
    bad = """eval(code);
const f = new Function('a', 'return a');
setTimeout("tick()", 10);
el.setAttribute('style', 'color: red');
el.setAttribute("onclick", "go()");
list.innerHTML = `<li style="color:red">${x}</li>`;
a.href = 'javascript:void(0)';"""
    names = list(FORBIDDEN)
    assert problems_in_script(bad) == [(1, names[0]), (2, names[1]), (3, names[2]), (4, names[3]), (5, names[3]),
                                       (6, names[4]), (7, names[5])]


def test_the_scan_allows_what_the_policy_allows():
    good = """element.style.setProperty('--bar', `${share}%`);  // CSSOM is allowed
element.style.width = '40%';
setTimeout(() => tick(), 10);
button.addEventListener('click', onClick);
el.setAttribute('aria-hidden', 'true');
const retrieval = model.evaluate(x);  // not eval
li.textContent = _('Saved');"""
    assert problems_in_script(good) == []


def test_no_script_needs_unsafe_eval_or_unsafe_inline():
    scripts = sorted(path for folder in SCRIPT_DIRS for path in (ROOT / folder).rglob("*.js"))
    assert scripts, "no scripts found"
    problems = [f"{path.relative_to(ROOT)}:{line}: {problem}" for path in scripts
                for line, problem in problems_in_script(path.read_text(encoding="utf-8"))]
    assert not problems, "These break under the CSP:\n" + "\n".join(problems)
