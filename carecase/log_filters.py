"""Logging filters that keep personal data out of the logs."""

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]+")


class HideQueryStrings(logging.Filter):
    """Request lines carry search terms, such as a child's name, in their query string:
    replace the query string before the line is written. Set on the console handler, so
    every logger's lines pass through it, and on the request loggers themselves.

    The message is formatted first and the query string cut from the result, so a
    placeholder inside a query string can never unbalance the message's arguments."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # a malformed call: logging reports it as it always does
        hidden = _QUERY.sub("?…", message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True
