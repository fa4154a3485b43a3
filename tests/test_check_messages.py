"""The catalogue check fails on untranslated, fuzzy and misfitting translations."""

from carecase.check_messages import main

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def check(tmp_path, body):
    path = tmp_path / "django.po"
    path.write_text(HEADER + body, encoding="utf-8")
    return main([str(path)])


def test_a_complete_catalogue_passes(tmp_path):
    assert check(tmp_path, '#, python-format\nmsgid "%(n)s children"\nmsgstr "%(n)s 名儿童"\n') == 0


def test_untranslated_fuzzy_and_misfitting_entries_fail(tmp_path, capsys):
    assert check(tmp_path, 'msgid "Save"\nmsgstr ""\n') == 1
    assert check(tmp_path, '#, fuzzy\nmsgid "Save"\nmsgstr "保存"\n') == 1
    assert check(tmp_path, '#, python-format\nmsgid "%(year)s-%(month)02d"\n'
                           'msgstr "%(year)s年%(month)s月"\n') == 1
    assert "placeholders" in capsys.readouterr().out
