"""Logging filters that keep personal data out of the logs."""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


class HideQueryStrings(logging.Filter):
    """Request lines carry search terms, such as a child's name, in their query string:
    replace the query string before the line is written."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(
                _QUERY.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        record.msg = _QUERY.sub("?…", record.msg) if isinstance(record.msg, str) else record.msg
        return True
