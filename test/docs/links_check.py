"""Every relative link in README.md and docs/ points at a file that exists and,
with a #fragment, at a heading of that file (GitHub's anchors).

Usage: links_check.py SOURCE_DIR
"""

import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def strip_code(text, inline=True):
    """The text without fenced code blocks and (inline=True) inline code spans."""
    out, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.lstrip()):
            fenced = not fenced
            continue
        if not fenced:
            out.append(re.sub(r"`[^`]*`", "", line) if inline else line)
    return "\n".join(out)


def anchors(path):
    """GitHub's anchors for the headings of a Markdown file."""
    with open(path) as f:
        text = f.read()
    seen, out = {}, set()
    for line in strip_code(text, inline=False).splitlines():
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).lower().replace("`", "")).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        out.add(slug if count == 0 else f"{slug}-{count}")
    return out


# Pages linked before they are written (by the kubectl plugin's work): a link to
# one is accepted while it is missing, and the test fails once it exists, so the
# entry is removed then.
PENDING = set()
# docs/spec.md mirrors the product spec word for word, its dangling anchors too.
VERBATIM = {os.path.join("docs", "spec.md")}


def pages(root):
    yield os.path.join(root, "README.md")
    for folder, _, files in os.walk(os.path.join(root, "docs")):
        for name in sorted(files):
            path = os.path.join(folder, name)
            if name.endswith(".md") and os.path.relpath(path, root) not in VERBATIM:
                yield path


def main():
    root = os.path.abspath(sys.argv[1])
    problems, checked = [], 0
    for pending in sorted(PENDING):
        if os.path.exists(os.path.join(root, pending)):
            problems.append(f"{pending} exists now: remove it from PENDING in test/docs/links_check.py")
    for page in pages(root):
        with open(page) as f:
            text = strip_code(f.read())
        for target in LINK.findall(text):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                continue  # http:, https:, mailto:
            checked += 1
            path, _, fragment = target.partition("#")
            resolved = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
            where = os.path.relpath(page, root)
            if os.path.relpath(resolved, root) in PENDING and not os.path.exists(resolved):
                continue
            if not os.path.exists(resolved):
                problems.append(
                    f"{where}: link to {target}: {os.path.relpath(resolved, root)} does not exist"
                )
            elif fragment and resolved.endswith(".md") and fragment not in anchors(resolved):
                problems.append(f"{where}: link to {target}: no heading with anchor #{fragment}")
    for problem in problems:
        print("FAIL:", problem)
    if problems:
        raise SystemExit(f"{len(problems)} broken links of {checked}")
    print(f"ok: {checked} relative links resolve")


if __name__ == "__main__":
    main()
