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


# What PostgreSQL puts in an integrity error's text: the values of the key that clashed
# ("Key (id_number)=(110101…) already exists") and the whole row that failed a check or
# a NOT NULL ("Failing row contains (…, 王小明, …)").
# The values run to the phrase after them (a value may hold brackets), or to the line's end.
_KEY_VALUES = re.compile(
    r"(key \(.*?\)=\().*?(?=\) (?:already exists|is not present in table"
    r"|is still referenced from table|conflicts with existing key)|$)",
    re.IGNORECASE | re.MULTILINE)
_FAILING_ROW = re.compile(r"(Failing row contains \().*", re.MULTILINE)


def _hide_values(text):
    return _FAILING_ROW.sub(r"\1…)", _KEY_VALUES.sub(r"\1…", text))


class HideDatabaseValues(logging.Filter):
    """An error's traceback ends with the exception's text, and a database integrity
    error's text holds the values involved — an ID number, or a child's whole row. Keep
    the key's column names (what clashed) and drop its values, in the message and in
    the traceback.

    The traceback is formatted here, once, and kept as the record's ``exc_text``, which
    every formatter then prints as it is."""

    def filter(self, record):
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = _hide_values(record.exc_text)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        hidden = _hide_values(message)
        if hidden != message:
            record.msg, record.args = hidden, ()
        return True
