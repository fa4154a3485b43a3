"""The roster (花名册): a school's spreadsheet of its registered children, read in and
written out in one format.

* ``COLUMNS`` is the format: the Chinese column names a school's spreadsheet uses, in
  order, each with the model field it maps to and the widget that reads and writes its
  cells. The choice values (男/女, 在家/外出务工/已故/不详, …) are the tables below.
* ``read_roster`` turns an uploaded file (xlsx, or CSV in UTF-8 or GB18030) into a
  ``tablib.Dataset`` through django-import-export's formats, and refuses a file that is
  not a roster with one clear message (``RosterFileError``).
* ``RosterResource`` is the django-import-export resource: it matches each row to a child
  of the county (ID number, else student number), classifies it (new, update, transfer
  in, unchanged), validates it against the models and writes it through the registry's
  services. ``roster_report`` turns its ``Result`` into what the preview page shows.
* ``RosterExporter`` writes the same columns for the children a user may see, and
  ``write_template`` the blank template with its instructions sheet.
"""

import csv
import io
import itertools
import logging
import re
import zipfile
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, ValidationError
from django.db.models import Manager, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy
from import_export import fields, resources, widgets
from import_export.exceptions import ImportExportError
from import_export.formats import base_formats
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.datavalidation import DataValidation

from registry.idnumber import (
    PHONE_MESSAGE,
    mask_id_number,
    mask_student_number,
    normalise_phone,
    parse_id_number,
)
from registry.models import (
    Child,
    Classroom,
    FamilyMember,
    HardshipKind,
    RegistryEpisode,
    Sex,
    Situation,
)
from registry.selectors import current_school_year
from registry.services.children import (
    child_register,
    child_transfer_in,
    child_update,
    family_member_save,
)
from reports.exporters import FORMULA_TRIGGERS, Exporter

logger = logging.getLogger(__name__)

# Limits of one upload; settings may lower or raise them.
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# The dataset's extra column: each row's number in the spreadsheet (the header is row 1).
LINE = "_line"

# --- The choice values --------------------------------------------------------------------
#
# The values a school writes are part of the file format, like the column names, so they
# are spelt here rather than taken from the translated labels (a change to the catalogue
# must not change what a school's file means). A test keeps every model choice spelt.

YES, NO = "是", "否"


class Choice:
    """The spelling of one set of model choices in the roster: one written value per
    choice, a few common variants accepted, and some values refused with a reason."""

    def __init__(self, spellings, variants=None, refused=None):
        self.spellings = dict(spellings)
        self.codes = {value: code for code, value in self.spellings.items()}
        self.codes.update(variants or {})
        self.refused = refused or {}

    @property
    def values(self):
        return list(self.spellings.values())

    def parse(self, value):
        text = cell_text(value).replace(" ", "")
        if not text:
            return None
        if text in self.codes:
            return self.codes[text]
        if text.upper() in self.codes:
            return self.codes[text.upper()]
        if text in self.refused:
            raise ValueError(self.refused[text]())
        raise ValueError(_("Write one of: %(values)s.") % {"values": "/".join(self.values)})

    def render(self, code):
        return self.spellings.get(code, "") if code else ""


SEX = Choice(
    {Sex.MALE: "男", Sex.FEMALE: "女"},
    variants={"男性": Sex.MALE, "女性": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE},
)
SITUATION = Choice(
    {
        Situation.HOME: "在家",
        Situation.AWAY: "外出务工",
        Situation.DECEASED: "已故",
        Situation.UNKNOWN: "不详",
    },
    variants={
        "外出": Situation.AWAY, "务工": Situation.AWAY, "外出打工": Situation.AWAY,
        "打工": Situation.AWAY, "在外务工": Situation.AWAY, "在家务农": Situation.HOME,
        "去世": Situation.DECEASED, "过世": Situation.DECEASED, "死亡": Situation.DECEASED,
        "未知": Situation.UNKNOWN, "失联": Situation.UNKNOWN, "下落不明": Situation.UNKNOWN,
    },
)
_R = FamilyMember.Relation
RELATION = Choice(
    {
        _R.GRANDPARENT: "祖父母", _R.FATHER: "父亲", _R.MOTHER: "母亲", _R.SIBLING: "兄弟姐妹",
        _R.RELATIVE: "其他亲属", _R.OTHER: "其他",
    },
    variants={
        **dict.fromkeys(
            ("外祖父母", "祖父母/外祖父母", "爷爷", "奶奶", "外公", "外婆", "祖父", "祖母",
             "外祖父", "外祖母", "爷爷奶奶", "外公外婆"),
            _R.GRANDPARENT,
        ),
        "父": _R.FATHER, "爸爸": _R.FATHER, "母": _R.MOTHER, "妈妈": _R.MOTHER,
        **dict.fromkeys(("哥哥", "姐姐", "弟弟", "妹妹", "兄妹", "姐弟"), _R.SIBLING),
        **dict.fromkeys(
            ("亲属", "亲戚", "叔叔", "伯伯", "姑姑", "舅舅", "姨妈", "阿姨", "婶婶", "舅妈"),
            _R.RELATIVE,
        ),
    },
    refused={
        "父母": lambda: _("The guardian at home is one person: write %(father)s or "
                          "%(mother)s.") % {"father": "父亲", "mother": "母亲"},
    },
)
HARDSHIP = Choice(
    {
        HardshipKind.DISABILITY: "残疾",
        HardshipKind.POVERTY: "家庭贫困",
        HardshipKind.REMOTE: "偏远山区",
        HardshipKind.ILLNESS: "重大疾病",
        HardshipKind.OTHER: "其他困境",
    },
    variants={
        "贫困": HardshipKind.POVERTY, "贫困家庭": HardshipKind.POVERTY,
        "山区": HardshipKind.REMOTE, "偏远": HardshipKind.REMOTE,
        "大病": HardshipKind.ILLNESS, "重病": HardshipKind.ILLNESS,
        "其他": HardshipKind.OTHER, "无": "",
    },
)

# --- Reading cells --------------------------------------------------------------------------


def cell_text(value):
    """A cell as text: empty for None, whole numbers without ".0", and the apostrophe our
    own exports put before a formula-like value taken off again."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if text.startswith("'") and text[1:2] in FORMULA_TRIGGERS:
        text = text[1:]
    return text


_CHINESE_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True))


def _small_number(text):
    """"3", "03", "三", "十二" → int; anything else → None."""
    if re.fullmatch(r"[0-9]{1,3}", text):
        return int(text)
    match = re.fullmatch(r"([一二三四五六七八九]?)(十?)([一二三四五六七八九]?)", text)
    if not text or not match:
        return None
    tens, ten, units = match.groups()
    if not ten:
        return _CHINESE_DIGITS[tens] if tens and not units else None
    return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(units, 0)


def _number_cell(value):
    """A whole number typed as a number; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


_DATE_TEXT = re.compile(
    r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?"
    r"(?:\s*[T ]\s*[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
)


def parse_date(value):
    """A date cell, an Excel serial number, or text such as 2026-09-01, 2026/9/1,
    2026年9月1日, 2026.9.1 or 20260901; empty → None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    serial = _number_cell(value)
    if serial is None and isinstance(value, float):
        serial = int(value)
    text = cell_text(value)
    if serial is None and re.fullmatch(r"[0-9]{5}(\.0+)?", text):
        serial = int(float(text))
    if serial is not None:
        if not 1 <= serial <= 73050:  # up to 2099
            raise ValueError(_date_message())
        return from_excel(serial).date()
    match = _DATE_TEXT.fullmatch(text)
    parts = match.groups() if match else None
    if parts is None and re.fullmatch(r"[0-9]{8}", text):
        parts = (text[:4], text[4:6], text[6:])
    if parts is None:
        raise ValueError(_date_message())
    try:
        day = date(*(int(p) for p in parts))
    except ValueError:
        raise ValueError(_("There is no such day: %(value)s.") % {"value": text}) from None
    if not 1900 <= day.year <= 2099:
        raise ValueError(_date_message())
    return day


def _date_message():
    return _("Write a date such as 2026-09-01, 2026/9/1 or 2026年9月1日.")


_YES_VALUES = {YES, "Y", "YES", "TRUE", "1", "√", "✓", "有"}
_NO_VALUES = {NO, "N", "NO", "FALSE", "0", "×", "无"}


def parse_yes_no(value):
    """是/否 (and Y/N, 1/0, √/×); empty → None."""
    if isinstance(value, bool):
        return value
    text = cell_text(value).upper()
    if not text:
        return None
    if text in _YES_VALUES:
        return True
    if text in _NO_VALUES:
        return False
    raise ValueError(_("Write %(yes)s or %(no)s.") % {"yes": YES, "no": NO})


def render_yes_no(value):
    return YES if value else NO


def parse_grade(value):
    """3, "3", "3年级", "三年级", "初一" (grade 7) …; empty → None."""
    number = _number_cell(value)
    text = cell_text(value).replace(" ", "")
    if number is None and text:
        match = re.fullmatch(r"(初)?(.+?)(年级)?", text)
        number = _small_number(match.group(2)) if match else None
        if number is not None and match.group(1):
            number = number + 6 if number <= 3 else None
    if number is None and not text:
        return None
    if number is None or not 1 <= number <= 9:
        raise ValueError(_("Write the grade as a number from 1 to 9, such as 3 or 三年级."))
    return number


def parse_class_number(value):
    """1, "1", "1班", "(1)班", "一班"; empty → None."""
    number = _number_cell(value)
    text = cell_text(value).replace(" ", "")
    if number is None and text:
        match = re.fullmatch(r"[(（]?(.+?)[)）]?班?", text)
        number = _small_number(match.group(1)) if match else None
    if number is None and not text:
        return None
    if number is None or number < 1:
        raise ValueError(_("Write the class as a number, such as 1 or 1班."))
    return number


def parse_age(value):
    """66, "66", "66岁"; empty → None."""
    number = _number_cell(value)
    text = cell_text(value).replace(" ", "")
    if number is None and text:
        match = re.fullmatch(r"([0-9]{1,3})岁?", text)
        number = int(match.group(1)) if match else None
    if number is None and not text:
        return None
    if number is None or not 0 <= number <= 120:
        raise ValueError(_("Write the age in years, such as 66."))
    return number


def parse_phone(value):
    try:
        return normalise_phone(cell_text(value)) or None
    except ValidationError:
        raise ValueError(PHONE_MESSAGE) from None


def parse_text(value):
    return cell_text(value) or None


def parse_id_cell(value):
    """The ID number as text, upper case. The check itself is the model field's."""
    if _number_cell(value) is not None or isinstance(value, float) or re.fullmatch(
        r"[0-9.]+E\+?[0-9]+", cell_text(value).upper()
    ):
        raise ValueError(_(
            "This ID number was stored as a number, which loses its last digits. Format "
            "the column as text and type the number again."
        ))
    return cell_text(value).replace(" ", "").upper() or None


def key_text(value):
    """A cell used to find a child (ID or student number), as compared."""
    return cell_text(value).replace(" ", "").upper()


class Cell(widgets.Widget):
    """A django-import-export widget made of a parser (cell → value, None for an empty
    cell, ValueError with a message for the user) and a renderer (value → cell)."""

    def __init__(self, parse=parse_text, render=None):
        super().__init__(coerce_to_string=False)
        self.parse = parse
        self.to_cell = render or (lambda value: "" if value is None else value)

    def clean(self, value, row=None, **kwargs):
        return self.parse(value)

    def render(self, value, obj=None, **kwargs):
        return self.to_cell(value)


def _choice(choice):
    return Cell(choice.parse, choice.render)


TEXT = Cell()
DATE = Cell(parse_date)
PHONE = Cell(parse_phone)
YES_NO = Cell(parse_yes_no, render_yes_no)

# --- The format -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the roster.

    ``target`` is the model field: a ``Child`` field ("name"), a field of the father,
    mother or guardian at home ("father.phone"), or one of the roster's own values
    ("grade", "class_number": the class in the importer's school this school year;
    "entered_on": the day a new child enters the registry, or a transfer happens)."""

    header: str
    target: str
    widget: widgets.Widget
    width: int
    help: str
    example: object = ""
    required: bool = False

    @property
    def attribute(self):
        """Where the resource keeps the value on the ``Child`` it imports."""
        if "." in self.target:
            kind, name = self.target.split(".")
            return f"roster_{kind}__{name}"
        if self.target in ROSTER_VALUES:
            return f"roster_{self.target}"
        return self.target

    def field(self):
        # An empty cell leaves the value as it is (on file, or the model's default).
        return fields.Field(attribute=self.attribute, column_name=self.header,
                            widget=self.widget, saves_null_values=False)


ROSTER_VALUES = ("grade", "class_number", "entered_on")

_AWAY_HELP = gettext_lazy("When the parent is working away: since when. A date.")
_ONE_OF_HELP = gettext_lazy("One of: %(values)s.")
_PHONE_HELP = gettext_lazy("A mobile (11 digits) or a landline with its area code.")
_WHERE_HELP = gettext_lazy("When the parent is working away: where (province and city).")

# fmt: off
COLUMNS = (
    Column("姓名", "name", TEXT, 10, gettext_lazy("The child's full name."), "王小明",
           required=True),
    Column("性别", "sex", _choice(SEX), 6,
           gettext_lazy("One of: %(values)s. May be left empty when the ID number is given."),
           "男"),
    Column("出生日期", "birth_date", DATE, 12,
           gettext_lazy("A date, such as 2016-05-17, 2016/5/17 or 2016年5月17日. May be left "
                        "empty when the ID number is given."), date(2016, 5, 17)),
    Column("身份证号", "id_number", Cell(parse_id_cell), 21,
           gettext_lazy("The 18-character resident ID number, typed as text. The child is "
                        "found again by it (else by the student number)."),
           "360101201605170011", required=True),
    Column("学籍号", "student_number", TEXT, 22,
           gettext_lazy("The national student number (学籍号)."), "G360101201605170011",
           required=True),
    Column("民族", "ethnicity", TEXT, 8, gettext_lazy("Such as 汉族."), "汉族"),
    Column("年级", "grade", Cell(parse_grade), 6,
           gettext_lazy("A number from 1 to 9, or 三年级, 初一."), 3, required=True),
    Column("班级", "class_number", Cell(parse_class_number), 6,
           gettext_lazy("The class number in the grade, such as 1 or 1班. The class must "
                        "exist in your school this school year."), 1, required=True),
    Column("住址", "address", TEXT, 26, gettext_lazy("Home village and address."),
           "青山县城关镇杨柳村3组"),
    Column("是否寄宿", "boarding", YES_NO, 8, _ONE_OF_HELP, NO),
    Column("父亲姓名", "father.name", TEXT, 10, gettext_lazy("The father's name."), "王建国"),
    Column("父亲电话", "father.phone", PHONE, 14,
           _PHONE_HELP,
           "13800138000"),
    Column("父亲情况", "father.situation", _choice(SITUATION), 10, _ONE_OF_HELP, "外出务工"),
    Column("父亲务工地", "father.workplace", TEXT, 12, _WHERE_HELP, "广东东莞"),
    Column("父亲外出时间", "father.away_since", DATE, 12, _AWAY_HELP, date(2024, 2, 15)),
    Column("母亲姓名", "mother.name", TEXT, 10, gettext_lazy("The mother's name."), "李芳"),
    Column("母亲电话", "mother.phone", PHONE, 14,
           _PHONE_HELP,
           "13900139000"),
    Column("母亲情况", "mother.situation", _choice(SITUATION), 10, _ONE_OF_HELP, "外出务工"),
    Column("母亲务工地", "mother.workplace", TEXT, 12, _WHERE_HELP, "浙江义乌"),
    Column("母亲外出时间", "mother.away_since", DATE, 12, _AWAY_HELP, date(2024, 2, 15)),
    Column("监护人姓名", "guardian.name", TEXT, 10,
           gettext_lazy("The guardian who looks after the child at home."), "王德福"),
    Column("与儿童关系", "guardian.relation", _choice(RELATION), 10, _ONE_OF_HELP, "祖父母"),
    Column("监护人电话", "guardian.phone", PHONE, 14,
           _PHONE_HELP,
           "0797-6123456"),
    Column("监护人年龄", "guardian.age", Cell(parse_age), 8,
           gettext_lazy("In years, such as 66."), 66),
    Column("监护人健康状况", "guardian.health", TEXT, 12,
           gettext_lazy("Such as 健康 or 高血压."), "高血压"),
    Column("性格特点", "personality", TEXT, 20, gettext_lazy("Free text."), "开朗，爱说话"),
    Column("兴趣爱好", "hobbies", TEXT, 16, gettext_lazy("Free text."), "画画、跳绳"),
    Column("健康状况", "physical_condition", TEXT, 12,
           gettext_lazy("Physical health, such as 良好."), "良好"),
    Column("慢性病", "chronic_illness", TEXT, 12, gettext_lazy("Empty if none."), ""),
    Column("残疾情况", "disability", TEXT, 12, gettext_lazy("Empty if none."), ""),
    Column("心理状况", "psychological_notes", TEXT, 16, gettext_lazy("Free text."), ""),
    Column("是否单亲", "single_parent", YES_NO, 8, _ONE_OF_HELP, NO),
    Column("是否事实无人抚养", "abandoned", YES_NO, 10,
           _ONE_OF_HELP, NO),
    Column("困境类型", "hardship_kind", _choice(HARDSHIP), 10,
           gettext_lazy("Empty, or one of: %(values)s."), ""),
    Column("建档日期", "entered_on", DATE, 12,
           gettext_lazy("For a new child: the day they enter the registry; for a child "
                        "taken in from another school: the day of the transfer. Empty is "
                        "today. Not used for children already at your school."), ""),
)
# fmt: on

CHOICES = {"sex": SEX, "father.situation": SITUATION, "mother.situation": SITUATION,
           "guardian.relation": RELATION, "hardship_kind": HARDSHIP}
HEADERS = [c.header for c in COLUMNS]
REQUIRED_HEADERS = [c.header for c in COLUMNS if c.required]
COLUMN_BY_TARGET = {c.target: c for c in COLUMNS}
NAME, ID_NUMBER, STUDENT_NUMBER = (COLUMN_BY_TARGET[t].header
                                   for t in ("name", "id_number", "student_number"))
FAMILY_KINDS = (FamilyMember.Kind.FATHER, FamilyMember.Kind.MOTHER, FamilyMember.Kind.GUARDIAN)
FAMILY_FIELDS = {kind: [c.target.split(".")[1] for c in COLUMNS if c.target.startswith(f"{kind}.")]
                 for kind in FAMILY_KINDS}

# Where an error about a key (a resource attribute, a model field or a service's argument)
# goes: the column whose cell is wrong.
_HEADER_BY_KEY = {
    **{c.attribute: c.header for c in COLUMNS},
    "classroom": COLUMN_BY_TARGET["class_number"].header,
    "school": COLUMN_BY_TARGET["class_number"].header,
    "transferred_on": COLUMN_BY_TARGET["entered_on"].header,
    NON_FIELD_ERRORS: "",
}
_COLUMN_ORDER = {header: index for index, header in enumerate(HEADERS)}


def help_text(column):
    """The instructions for a column, with its choice values."""
    values = _drop_down_values(column)
    text = str(column.help)
    return text % {"values": "/".join(values)} if values else text


# --- Reading a file -------------------------------------------------------------------------


class RosterFileError(ImportExportError):
    """A file that cannot be read as a roster; nothing of it is imported."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def max_bytes():
    return getattr(settings, "ROSTER_MAX_BYTES", MAX_BYTES)


def max_rows():
    return getattr(settings, "ROSTER_MAX_ROWS", MAX_ROWS)


def max_size_label():
    limit = max_bytes()
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


def _not_a_spreadsheet():
    return RosterFileError(_(
        "This file is not a spreadsheet. Upload the roster as .xlsx (Excel or WPS) or .csv."
    ))


def _header_score(values):
    return sum(1 for v in values if cell_text(v) in HEADERS)


def _dataset_from_rows(rows):
    """A dataset from (row number, cells) pairs. The header is the first row holding the
    roster's column names (row 1, or below a title row), else the first row that is not
    blank; blank rows are left out, and each row keeps its number in the spreadsheet in
    the ``LINE`` column."""
    rows = ((line, list(cells)) for line, cells in rows)
    head = []
    for line, cells in rows:
        head.append((line, cells))
        if _header_score(cells) >= 2 or len(head) >= 10:
            break
    filled = [i for i, (_line, cells) in enumerate(head) if any(cell_text(c) for c in cells)]
    dataset = tablib.Dataset()
    if not filled:
        return dataset
    start = next((i for i in filled if _header_score(head[i][1]) >= 2), filled[0])
    headers = [cell_text(c) for c in head[start][1]]
    while headers and not headers[-1]:
        headers.pop()
    dataset.headers = [*headers, LINE]
    limit = max_rows()
    for line, cells in itertools.chain(head[start + 1:], rows):
        if all(cell_text(c) == "" for c in cells):
            continue
        if len(dataset) >= limit:
            raise RosterFileError(
                _("The file has more than %(max)s rows of children. Split it into smaller "
                  "files.") % {"max": limit}
            )
        dataset.append([*(cells + [None] * len(headers))[: len(headers)], line])
    return dataset


class RosterXLSX(base_formats.XLSX):
    """django-import-export's xlsx format, reading the first sheet (the template's second
    sheet is the instructions) and keeping each row's number."""

    def create_dataset(self, in_stream):
        try:
            book = load_workbook(io.BytesIO(in_stream), read_only=True, data_only=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
            raise _not_a_spreadsheet() from None
        try:
            sheet = book.worksheets[0]
            return _dataset_from_rows(enumerate(sheet.iter_rows(values_only=True), start=1))
        finally:
            book.close()


# Text files hold none of these; a binary file decoded as GB18030 does.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RosterCSV(base_formats.CSV):
    """django-import-export's CSV format, in UTF-8 (with or without BOM) or GB18030/GBK,
    comma-, tab- or semicolon-separated, keeping each row's number."""

    def create_dataset(self, in_stream):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = in_stream.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise _not_a_spreadsheet()
        if _CONTROL_CHARACTERS.search(text[:8192]):
            raise _not_a_spreadsheet()
        first_line = text.split("\n", 1)[0]
        delimiter = max((",", "\t", ";"), key=first_line.count)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            return _dataset_from_rows(enumerate(reader, start=1))
        except csv.Error:
            raise _not_a_spreadsheet() from None


def check_size(size):
    if size > max_bytes():
        raise RosterFileError(_("The file is larger than %(size)s. Split it into smaller "
                                "files.") % {"size": max_size_label()})


def read_roster(content):
    """The roster in ``content`` (bytes) as a dataset, or ``RosterFileError``."""
    check_size(len(content))
    if not content.strip():
        raise RosterFileError(_("The file is empty."))
    if content.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterFileError(_(
            "This is an old Excel file (.xls). Save it as .xlsx (Excel or WPS) and upload it "
            "again."
        ))
    if content.startswith(b"PK\x03\x04"):
        dataset = RosterXLSX().create_dataset(content)
    elif b"\x00" in content[:8192]:
        raise _not_a_spreadsheet()
    else:
        dataset = RosterCSV().create_dataset(content)
    if not dataset.headers:
        raise RosterFileError(_("The file is empty."))
    _check_headers(dataset.headers)
    if not len(dataset):
        raise RosterFileError(_("The file has the column names but no children under them."))
    return dataset


def _check_headers(headers):
    known = [h for h in headers if h in HEADERS]
    twice = sorted({h for h in known if known.count(h) > 1}, key=_COLUMN_ORDER.get)
    if twice:
        raise RosterFileError(_("These columns appear more than once: %(headers)s.")
                              % {"headers": "、".join(twice)})
    missing = [h for h in REQUIRED_HEADERS if h not in known]
    if missing:
        raise RosterFileError(
            _("These required columns are missing: %(headers)s. The first row must hold "
              "the column names of the template.") % {"headers": "、".join(missing)}
        )


def unknown_columns(dataset):
    return [h for h in dataset.headers if h and h != LINE and h not in HEADERS]


# --- The resource ---------------------------------------------------------------------------

CREATE, UPDATE, TRANSFER, UNCHANGED, ERROR = "create", "update", "transfer", "unchanged", "error"
ACTIONS = (CREATE, UPDATE, TRANSFER, UNCHANGED, ERROR)


def attach_roster_values(child, entered_on=None, family=None):
    """Put the roster's view of ``child`` on it: the father, mother and guardian (saved or
    new), the class as grade and number, and the entry date. ``family`` is read as loaded
    (or given: ``{kind: member}``, a member being a ``FamilyMember`` or a dict of its
    fields, as the export loads them)."""
    if family is None:
        family = child.family_by_kind() if child.pk else {}
    for kind in FAMILY_KINDS:
        setattr(child, f"roster_{kind}", family.get(kind) or FamilyMember(kind=kind))
    classroom = child.classroom if child.classroom_id else None
    child.roster_grade = classroom.grade if classroom else None
    child.roster_class_number = classroom.number if classroom else None
    child.roster_entered_on = entered_on
    return child


class RosterInstanceLoader(BaseInstanceLoader):
    """Finds each row's child among the children of the importer's county, with a fixed
    handful of queries for the whole file: by ID number, else by student number; a row
    with neither is matched by name and date of birth to a child of the importer's own
    school who has neither either."""

    CHUNK = 900

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        rows = dataset.dict if dataset is not None else []
        ids = {key_text(r.get(ID_NUMBER)) for r in rows} - {""}
        numbers = {key_text(r.get(STUDENT_NUMBER)) for r in rows} - {""}
        county_children = (
            Child.objects.filter(county_id=resource.school.county_id)
            .select_related("school", "classroom")
            .prefetch_related("family")
        )
        found = {}
        for key, values in (("id_number__in", sorted(ids)),
                            ("student_number__in", sorted(numbers))):
            for start in range(0, len(values), self.CHUNK):
                chunk = values[start:start + self.CHUNK]
                found.update((c.pk, c) for c in county_children.filter(**{key: chunk}))
        if any(not key_text(r.get(ID_NUMBER)) and not key_text(r.get(STUDENT_NUMBER))
               for r in rows):
            keyless = county_children.filter(school=resource.school, id_number="",
                                             student_number="")
            found.update((c.pk, c) for c in keyless)
        self.by_id = {c.id_number: c for c in found.values() if c.id_number}
        self.by_student_number = {c.student_number: c for c in found.values()
                                  if c.student_number}
        self.keyless = defaultdict(list)
        for child in found.values():
            if not child.id_number and not child.student_number:
                self.keyless[(child.name, child.birth_date)].append(child)

    def get_instance(self, row):
        id_number, number = key_text(row.get(ID_NUMBER)), key_text(row.get(STUDENT_NUMBER))
        child = self.by_id.get(id_number) if id_number else None
        if child is None and number:
            child = self.by_student_number.get(number)
        if child is None and not id_number and not number:
            try:
                birth_date = parse_date(row.get(COLUMN_BY_TARGET["birth_date"].header))
            except ValueError:
                birth_date = None
            same = self.keyless.get((cell_text(row.get(NAME)), birth_date), [])
            child = same[0] if len(same) == 1 else None
        return child


class RosterRowResult(RowResult):
    """A row's result, with what the roster's preview shows of it."""

    def __init__(self):
        super().__init__()
        self.line = None
        self.action = None
        self.name = ""
        self.classroom = None
        self.changed = []
        self.from_school = None
        self.problems = []


class RosterResource(resources.ModelResource):
    """Imports a roster into the importer's school through the registry's services.

    Each row becomes a new child (``child_register``), an update of a child of the school
    (``child_update``, ``family_member_save``), a transfer of a child registered at another
    school of the county (``child_transfer_in``, then the update), or nothing when nothing
    changes. A dry run writes everything inside a transaction and rolls it back, so the
    preview has met every check the real import meets."""

    class Meta:
        model = Child
        fields = ()
        import_id_fields = ("id_number", "student_number")
        instance_loader_class = RosterInstanceLoader
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        store_row_values = True
        store_instance = True
        skip_html_diff = True

    def __init__(self, *, actor, school, today=None):
        super().__init__()
        self.actor, self.school = actor, school
        self.today = today or timezone.localdate()
        self.fields = OrderedDict((c.attribute, c.field()) for c in COLUMNS)
        self.classrooms = {
            (c.grade, c.number): c
            for c in Classroom.objects.for_user(actor).filter(
                school=school, school_year=current_school_year(self.today)
            ).select_related("school")
        }
        self.loader = None
        self.line_problems = {}

    @classmethod
    def get_row_result_class(cls):
        return RosterRowResult

    def get_queryset(self):
        return Child.objects.filter(county_id=self.school.county_id)

    def before_import(self, dataset, **kwargs):
        """Flag an ID or student number that appears on more than one row."""
        self.line_problems = defaultdict(dict)
        for header, message in ((ID_NUMBER, _("The same ID number is on row %(row)s.")),
                                (STUDENT_NUMBER,
                                 _("The same student number is on row %(row)s."))):
            first = {}
            for row in dataset.dict:
                key = key_text(row.get(header))
                if key and key in first:
                    self.line_problems[row[LINE]][header] = message % {"row": first[key]}
                first.setdefault(key, row[LINE])

    def import_row(self, row, instance_loader, **kwargs):
        self.loader = instance_loader
        result = super().import_row(row, instance_loader, **kwargs)
        result.line = row[LINE]
        result.name = cell_text(row.get(NAME))
        for error in result.errors:
            # The type only: a database error's text may hold the row's personal data.
            logger.warning("Roster row %s not saved: %s", result.line, type(error.error).__name__)
        problems = _problems(result)
        if problems:
            result.action, result.problems = ERROR, problems
        elif result.is_skip():
            result.action = UNCHANGED
        else:
            instance = result.instance
            result.action = instance.roster_action
            result.changed = instance.roster_changed
            result.from_school = getattr(instance, "roster_from_school", None)
        if result.instance is not None:
            result.classroom = result.instance.classroom
        return result

    def after_init_instance(self, instance, new, row, **kwargs):
        if new:
            instance.school, instance.county_id = self.school, self.school.county_id
            instance.roster_action = CREATE
        elif instance.school_id != self.school.pk:
            instance.roster_from_school = instance.school
            instance.school = self.school
            instance.roster_action = TRANSFER
        else:
            instance.roster_action = UPDATE
        instance.roster_keys = (instance.id_number, instance.student_number)
        instance.roster_found_name = instance.name
        attach_roster_values(instance)

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        problems = dict(self.line_problems.get(row[LINE], {}))
        _fill_from_id_number(instance)
        problems.update(self._classroom_problems(instance, row, errors))
        problems.update(self._key_problems(instance))
        problems.update(_family_problems(instance, row, errors))
        entered_on = instance.roster_entered_on
        if entered_on and entered_on > self.today:
            problems[COLUMN_BY_TARGET["entered_on"].header] = _("This date is in the future.")
        for header, message in problems.items():
            attribute = next(c.attribute for c in COLUMNS if c.header == header)
            errors.setdefault(attribute, []).append(ValidationError(message))
        if errors:
            raise ValidationError(errors)

    def _classroom_problems(self, instance, row, errors):
        """The class: grade and number in the importer's school this school year. Both
        cells empty keep a child of the school in their class."""
        grade_column, class_column = COLUMN_BY_TARGET["grade"], COLUMN_BY_TARGET["class_number"]
        if grade_column.attribute in errors or class_column.attribute in errors:
            return {}
        given = [bool(cell_text(row.get(c.header))) for c in (grade_column, class_column)]
        if not any(given) and instance.roster_action == UPDATE:
            return {}
        if not all(given):
            missing = grade_column if not given[0] else class_column
            return {missing.header: _("Give the child's grade and class.")}
        grade, number = instance.roster_grade, instance.roster_class_number
        classroom = self.classrooms.get((grade, number))
        if classroom is None:
            label = _("Grade %(grade)s Class %(number)s") % {"grade": grade, "number": number}
            return {class_column.header: _("Your school has no %(class)s in the school year "
                                           "%(year)s.")
                    % {"class": label, "year": current_school_year(self.today)}}
        instance.classroom = classroom
        return {}

    def _key_problems(self, instance):
        """A student number that belongs to another child of the county than the ID
        number does: one of the two numbers is wrong."""
        if instance.roster_action == CREATE:
            return {}
        old_id, _old_number = instance.roster_keys
        if old_id and instance.id_number and old_id != instance.id_number:
            return {STUDENT_NUMBER: _(
                "This student number belongs to %(name)s of %(school)s, whose ID number is "
                "different. Check both numbers."
            ) % {"name": instance.roster_found_name, "school": _original_school(instance)}}
        other = self.loader.by_student_number.get(instance.student_number)
        if instance.student_number and other is not None and other.pk != instance.pk:
            return {STUDENT_NUMBER: _(
                "This student number belongs to another child of the county: %(name)s of "
                "%(school)s."
            ) % {"name": other.name, "school": other.school}}
        return {}

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """Unchanged rows are skipped; a new child or a transfer never is. The columns
        that change are kept for the preview."""
        entered_on = COLUMN_BY_TARGET["entered_on"].attribute
        instance.roster_changed = [
            f.column_name for f in self.get_import_fields()
            if f.attribute != entered_on and f.column_name in row
            and f.get_value(instance) != f.get_value(original)
        ]
        if import_validation_errors or instance.roster_action != UPDATE:
            return False
        return not instance.roster_changed

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The child's model checks, and those of each family member to be saved, all at
        once so that a row shows every mistake. The relations are the resource's own
        choices and the database constraints are met by the matching above (an ID or
        student number found in the county is that child), so neither is queried here;
        the services check both again when they write."""
        errors = dict(import_validation_errors or {})
        trusted = {"county", "school", "classroom", "consent_recorded_by"}
        try:
            instance.full_clean(exclude=set(errors) | trusted, validate_unique=False,
                                validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        for member in _members_to_save(instance):
            try:
                member.full_clean(exclude=["child"], validate_constraints=False)
            except ValidationError as error:
                for name, messages in error.update_error_dict({}).items():
                    errors.setdefault(f"roster_{member.kind}__{name}", []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def save_instance(self, instance, is_create, row, **kwargs):
        """Write through the registry's services, never ``Model.save`` directly."""
        members = _members_to_save(instance)
        entered_on = instance.roster_entered_on or self.today
        if instance.roster_action == CREATE:
            child_register(actor=self.actor, child=instance, family=members,
                           entered_on=entered_on)
            return
        changed = set(instance.roster_changed)
        if instance.roster_action == TRANSFER:
            child_transfer_in(actor=self.actor, child=Child.objects.get(pk=instance.pk),
                              classroom=instance.classroom, transferred_on=entered_on)
        if changed & {c.header for c in COLUMNS if "." not in c.target}:
            child_update(actor=self.actor, child=instance)
        for member in members:
            if member.pk is None or changed & _member_headers(member.kind):
                member.child = instance
                family_member_save(actor=self.actor, member=member)

    def after_import(self, dataset, result, **kwargs):
        """Nothing: ``ModelResource`` resets the table's id sequence here, which only an
        import of primary keys needs."""


def _original_school(instance):
    return getattr(instance, "roster_from_school", None) or instance.school


def _fill_from_id_number(instance):
    """Sex and date of birth left empty come from a valid ID number, as the model's
    ``clean`` does, so that a row leaving them empty is not a change."""
    if not instance.id_number:
        return
    try:
        info = parse_id_number(instance.id_number)
    except ValidationError:
        return
    instance.sex = instance.sex or info.sex
    instance.birth_date = instance.birth_date or info.birth_date


def _member_headers(kind):
    return {c.header for c in COLUMNS if c.target.startswith(f"{kind}.")}


def _member_given(member):
    return any(getattr(member, name) not in ("", None) for name in FAMILY_FIELDS[member.kind])


def _members_to_save(instance):
    """The father, mother and guardian the row gives (or who are on file). An import
    never removes a family member: a row leaving all of a member's cells empty leaves a
    new member unwritten and an existing one as they are."""
    members = []
    for kind in FAMILY_KINDS:
        member = getattr(instance, f"roster_{kind}")
        if member.pk is not None or _member_given(member):
            members.append(member)
    return members


def _family_problems(instance, row, errors):
    """A parent working away needs the date they left (in the file or on file), and a
    date in the file is only for a parent working away; a parent who came home loses the
    date on file quietly (``FamilyMember.clean``)."""
    problems = {}
    for kind in (FamilyMember.Kind.FATHER, FamilyMember.Kind.MOTHER):
        member = getattr(instance, f"roster_{kind}")
        column = COLUMN_BY_TARGET[f"{kind}.away_since"]
        if column.attribute in errors or f"roster_{kind}__situation" in errors:
            continue
        if member.situation == Situation.AWAY and not member.away_since:
            problems[column.header] = _("Say since when the parent has been away.")
        elif member.situation != Situation.AWAY and cell_text(row.get(column.header)):
            problems[column.header] = _(
                "Only a parent working away has a date of leaving: empty this cell, or write "
                "%(away)s as the situation."
            ) % {"away": SITUATION.render(Situation.AWAY)}
    return problems


def _problems(row_result):
    """[(column header, message)] of a row, in the order of the columns."""
    problems = []
    error = row_result.validation_error
    if error is not None:
        for key, messages in error.update_error_dict({}).items():
            header = _HEADER_BY_KEY.get(key, "")
            for message in ValidationError(messages).messages:
                if (header, message) not in problems:
                    problems.append((header, message))
    if row_result.errors:
        problems.append(("", _("This row could not be saved. Check it against the child's "
                               "file, or enter the change on the child's page.")))
    return sorted(problems, key=lambda p: _COLUMN_ORDER.get(p[0], -1))


@dataclass
class RosterReport:
    """What an import did (or, in a dry run, would do), row by row."""

    rows: list
    unknown_columns: list = field(default_factory=list)
    file_problems: list = field(default_factory=list)

    @property
    def counts(self):
        counts = Counter(row.action for row in self.rows)
        return {action: counts.get(action, 0) for action in ACTIONS}

    @property
    def error_rows(self):
        return [row for row in self.rows if row.action == ERROR]

    @property
    def has_errors(self):
        return bool(self.error_rows or self.file_problems)

    @property
    def total(self):
        return len(self.rows)

    def summary(self):
        counts = self.counts
        return ngettext(
            "%(total)s row: %(create)s new, %(update)s updated, %(transfer)s transferred in, "
            "%(unchanged)s unchanged.",
            "%(total)s rows: %(create)s new, %(update)s updated, %(transfer)s transferred "
            "in, %(unchanged)s unchanged.",
            self.total,
        ) % {"total": self.total, **counts}


def roster_report(result, dataset):
    """The report of a django-import-export ``Result`` of ``RosterResource``."""
    for error in result.base_errors:
        logger.warning("Roster import failed: %s", type(error.error).__name__)
    file_problems = [_("The file could not be imported.")] if result.base_errors else []
    return RosterReport(rows=list(result.rows), unknown_columns=unknown_columns(dataset),
                        file_problems=file_problems)


# --- Writing --------------------------------------------------------------------------------


def export_shows_full_id_number(user):
    """Only the school admin's roster, made to be imported again, carries full ID numbers;
    every other export masks them (township, bureau, teachers)."""
    return user.has_perm("registry.import_roster")


class RosterExporter(Exporter):
    """The children of ``children`` (a queryset from ``selectors.child_list``, through
    ``with_roster_family``) in the roster's columns. The family is loaded a chunk of
    2,000 children at a time, as plain values: a fixed number of queries for each
    chunk, and no model instance per family member."""

    title = pgettext_lazy("spreadsheet", "Roster")
    columns = [(c.header, c.width) for c in COLUMNS]
    chunk_size = 2000

    def __init__(self, children, *, full_id_numbers, place=""):
        super().__init__()
        self.children = children
        self.full_id_numbers = full_id_numbers
        self.place = place

    def filename(self, extension):
        parts = [pgettext("file name", "roster"), self.place,
                 timezone.localdate().isoformat()]
        return "_".join(p for p in parts if p) + f".{extension}"

    def rows(self):
        # Each column's value as the import-export field exports it (its attribute read
        # as ``Field.get_value`` does, then its widget's rendering), the attribute path
        # split once rather than for every cell.
        cells = []
        for column in COLUMNS:
            roster_field = column.field()
            # The student number is usually "G" and the ID number: masked with it.
            masked = None
            if not self.full_id_numbers:
                masked = {"id_number": mask_id_number,
                          "student_number": mask_student_number}.get(column.target)
            cells.append((_attribute_getter(roster_field.attribute),
                          roster_field.widget.render, masked))
        children = self.children.iterator(chunk_size=self.chunk_size)
        while chunk := list(itertools.islice(children, self.chunk_size)):
            families = _roster_families([child.pk for child in chunk])
            for child in chunk:
                attach_roster_values(child, entered_on=_entered_on(child),
                                     family=families.get(child.pk, {}))
                row = []
                for get, render, masked in cells:
                    value = render(get(child))
                    if masked:
                        value = masked(value)
                    row.append(value)
                yield row


# The family members' fields the roster shows (one query per chunk of children).
_FAMILY_VALUES = sorted({name for names in FAMILY_FIELDS.values() for name in names})


def _roster_families(child_ids):
    """``{child_id: {kind: {field: value}}}``: the father, mother and guardian at home of
    these children, as plain values."""
    families = defaultdict(dict)
    for member in FamilyMember.objects.filter(
        child_id__in=child_ids, kind__in=FAMILY_KINDS
    ).order_by().values("child_id", "kind", *_FAMILY_VALUES):
        families[member["child_id"]][member["kind"]] = member
    return families


def _attribute_getter(attribute):
    """``Field.get_value`` of django-import-export for one attribute path, compiled:
    each step a dict key or an attribute, ``None`` as soon as one is missing, a callable
    (not a manager) called."""
    steps = attribute.split("__") if attribute else None

    def get(instance):
        if steps is None:
            return None
        value = instance
        for step in steps:
            try:
                value = value[step] if isinstance(value, dict) else getattr(value, step, None)
            except (ValueError, ObjectDoesNotExist, KeyError):
                return None
            if value is None:
                return None
        if callable(value) and not isinstance(value, Manager):
            value = value()
        return value

    return get


def with_roster_family(children):
    """The children of ``children`` (a filtered child list), in its order, with what the
    export reads beside their own fields: the class, and the day each entered the
    registry at their current school (the latest such entry); the family is loaded by
    ``RosterExporter`` a chunk at a time. The list's own annotations (categories, five
    clear, concerns: what its filters use) stay in the subquery that selects the
    children, and are not computed again for every row exported."""
    latest_entry = RegistryEpisode.objects.filter(
        child=OuterRef("pk"), school=OuterRef("school")
    ).order_by("-entered_on", "-pk").values("entered_on")[:1]
    exported = (Child.objects.filter(pk__in=children.values("pk"))
                .select_related("classroom")
                .annotate(roster_entered_at_school=Subquery(latest_entry)))
    if children.query.order_by:
        exported = exported.order_by(*children.query.order_by)
    return exported


def _entered_on(child):
    """When the child entered the registry at their current school (the latest entry)."""
    return getattr(child, "roster_entered_at_school", None)


# Text columns Excel and WPS must not turn into numbers (an 18-digit ID loses digits).
_TEXT_TARGETS = {"id_number", "student_number", "father.phone", "mother.phone",
                 "guardian.phone"}
_TEMPLATE_ROWS = 2000


def write_template(stream):
    """The blank roster: the column names, widths, a frozen first row, text cells where
    numbers must stay text, drop-down lists for the choice columns, and a second sheet
    explaining each column (an example row in the first sheet would be imported as a
    child if the clerk forgot to delete it)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = pgettext("spreadsheet", "Roster")
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font = bold
        sheet.column_dimensions[letter].width = column.width
        if column.target in _TEXT_TARGETS:
            for row in range(2, _TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = "@"
        values = _drop_down_values(column)
        if values:
            validation = DataValidation(type="list", formula1=f'"{",".join(values)}"',
                                        allow_blank=True)
            validation.add(f"{letter}2:{letter}{_TEMPLATE_ROWS + 1}")
            sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    _write_instructions(workbook.create_sheet(_("How to fill in")))
    workbook.save(stream)


def _drop_down_values(column):
    if column.widget is YES_NO:
        return [YES, NO]
    choice = CHOICES.get(column.target)
    return choice.values if choice else None


def _write_instructions(sheet):
    headers = [_("Column"), _("Required"), _("How to fill in"), _("Example")]
    for index, (title, width) in enumerate(zip(headers, (16, 8, 70, 24), strict=True), 1):
        sheet.cell(row=1, column=index, value=title).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, column in enumerate(COLUMNS, start=2):
        example = column.example
        values = [column.header,
                  pgettext("boolean", "yes") if column.required else "",
                  help_text(column),
                  example.isoformat() if isinstance(example, date) else str(example)]
        for index, value in enumerate(values, start=1):
            sheet.cell(row=row, column=index, value=value).alignment = wrap
    notes = [
        _("Fill in the first sheet, one child per row, from row 2. Keep the column names of "
          "row 1; columns may be left out except the required ones, and a column left out "
          "changes nothing."),
        _("A child already on the county's registry is found by the ID number, else by the "
          "student number. A child of another school of the county is taken in by transfer."),
        _("An empty cell leaves what is on file as it is (to clear a value, edit the child's "
          "file). Nothing is imported while any row has an error."),
    ]
    start = len(COLUMNS) + 3
    for offset, note in enumerate(notes):
        sheet.cell(row=start + offset, column=1, value=note)
    sheet.freeze_panes = "A2"
