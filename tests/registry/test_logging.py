"""Personal data never reaches the logs: names typed into a search, values an error
quotes."""

import io
import logging

import pytest
from django.db import IntegrityError, connection, transaction

from carecase import log_filters
from registry.models import Child
from tests import factories


def test_request_lines_are_logged_without_their_query_string(caplog):
    with caplog.at_level(logging.INFO, logger="django.server"):
        logging.getLogger("django.server").info(
            '"%s" %s %s', "GET /children/?q=%E7%8E%8B%E5%B0%8F%E6%98%8E&status=all HTTP/1.1",
            200, 1234,
        )
    assert "/children/?…" in caplog.text
    assert "q=" not in caplog.text and "E7" not in caplog.text


# --- An error's traceback: the values an integrity error quotes are left out -------------


@pytest.fixture
def console():
    """What the console handler (LOGGING's, with its filters) writes."""
    [handler] = [h for h in logging.getLogger().handlers
                 if isinstance(h, logging.StreamHandler) and h.filters]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def _logged_error(update):
    """Make the database refuse ``update`` and log it as Django logs a failed request."""
    try:
        with transaction.atomic():
            update()
    except IntegrityError:
        logging.getLogger("django.request").error("Internal Server Error: %s", "/children/",
                                                  exc_info=True)
    else:
        pytest.fail("the database accepted it")


@pytest.mark.django_db
def test_a_clashing_id_number_stays_out_of_the_log(world, console):
    first = factories.FiveClearChildFactory(classroom=world.class_a)
    second = factories.FiveClearChildFactory(classroom=world.class_a)
    _logged_error(lambda: Child.objects.filter(pk=second.pk).update(id_number=first.id_number))
    text = console.getvalue()
    assert "IntegrityError" in text and "Internal Server Error: /children/" in text
    assert first.id_number not in text
    if connection.vendor == "postgresql":  # SQLite names the columns only
        assert "Key (county_id, id_number)=(…) already exists" in text


@pytest.mark.django_db
def test_a_row_that_fails_a_check_stays_out_of_the_log(world, console):
    child = factories.FiveClearChildFactory(classroom=world.class_a)
    _logged_error(lambda: Child.objects.filter(pk=child.pk).update(id_number="12345"))
    text = console.getvalue()
    assert "child_id_number_18" in text  # what failed is still said
    assert child.name not in text and child.address not in text
    if connection.vendor == "postgresql":
        assert "Failing row contains (…)" in text


def test_the_values_are_cut_from_each_of_postgresqls_phrasings():
    hidden = log_filters.HideDatabaseValues()
    lines = {
        'DETAIL:  Key (county_id, id_number)=(1, 110101200001011234) already exists.':
            'DETAIL:  Key (county_id, id_number)=(…) already exists.',
        'DETAIL:  Key (lower(name::text))=(王(小)明) already exists.':
            'DETAIL:  Key (lower(name::text))=(…) already exists.',
        'DETAIL:  Key (child_id)=(5) is not present in table "registry_child".':
            'DETAIL:  Key (child_id)=(…) is not present in table "registry_child".',
        'DETAIL:  Key (child_id, during)=(5, [2026-01-01,2026-02-01)) conflicts with '
        'existing key (child_id, during)=(5, [2026-01-15,2026-03-01)).':
            'DETAIL:  Key (child_id, during)=(…) conflicts with existing key '
            '(child_id, during)=(…',
        'DETAIL:  Failing row contains (5, 王小明, 12345, null).':
            'DETAIL:  Failing row contains (…)',
        'nothing to hide (a) = (b)': 'nothing to hide (a) = (b)',
    }
    for line, expected in lines.items():
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1,
                                   "%s", (line,), None)
        assert hidden.filter(record) is True
        assert record.getMessage() == expected
