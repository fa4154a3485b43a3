"""Fail when a gettext catalogue has untranslated or fuzzy entries, or a translation
whose placeholders do not fit its msgid (Babel's checks, as ``pybabel compile`` runs).

Usage: python -m carecase.check_messages locale/zh_Hans/LC_MESSAGES/django.po
"""

import sys

from babel.messages.pofile import read_po


def problems(path):
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    for message in catalog:
        if not message.id:
            continue
        label = message.id if isinstance(message.id, str) else message.id[0]
        if message.fuzzy:
            yield f"fuzzy: {label!r}"
        elif not message.string or (
            isinstance(message.string, tuple) and not all(message.string)
        ):
            yield f"untranslated: {label!r}"
        else:
            for error in message.check(catalog):
                yield f"placeholders: {label!r}: {error}"


def main(paths):
    found = [f"{path}: {problem}" for path in paths for problem in problems(path)]
    for line in found:
        print(line)
    print(f"{len(found)} problem(s) in {len(paths)} catalogue(s)")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
