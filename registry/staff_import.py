"""Reading a school's teachers from a spreadsheet and checking every row, before anything
is written.

The upload form refuses a file that cannot be read at all (not xlsx, too big, no rows,
wrong headers, too many rows). ``staff_import_plan`` then says, row by row, what is wrong
and what the import would create (new accounts) or change (teachers of the school who
already have that username). ``registry.services.staff_import_confirm`` writes the plan,
all of it or nothing.

The column headers are the file's format and stay in Chinese whatever the page's
language: they are what schools type and what the template carries.
"""

import io
import re
import unicodedata
from dataclasses import dataclass, field

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook

from registry.idnumber import normalise_phone
from registry.models import Classroom, User
from registry.selectors import current_school_year

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000

NAME, PHONE, USERNAME, CLASSES = "姓名", "手机号", "登录名", "担任班主任班级"
HEADERS = (NAME, PHONE, USERNAME, CLASSES)

# What to write in each column, for the upload page and the template.
COLUMN_HELP = {
    NAME: gettext_lazy("The teacher's real name. Required."),
    PHONE: gettext_lazy("Mobile, or a landline with its area code. May be left empty."),
    USERNAME: gettext_lazy(
        "The name they log in with: letters, digits and @ . + - _ only. Required. A "
        "username that a teacher of this school already has updates that teacher."
    ),
    CLASSES: gettext_lazy(
        "The classes they lead as homeroom teacher this school year, e.g. 3年级1班 or 3-1; "
        "separate several with 、 , or ;. May be left empty."
    ),
}

_NAME_MAX = User._meta.get_field("real_name").max_length
_USERNAME_MAX = User._meta.get_field("username").max_length
_validate_username = UnicodeUsernameValidator()

_CLASS_SEPARATORS = re.compile(r"[、,;\n]+")
_NUMERALS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
             "十": 10}
_GRADE = r"(?P<grade>[1-9]|[一二三四五六七八九])"
_NUMBER = r"\(?\s*(?P<number>[0-9]+|[一二三四五六七八九十])\s*\)?"
_CLASS_PATTERNS = [
    re.compile(rf"{_GRADE}\s*年级\s*{_NUMBER}\s*班?"),  # 3年级1班, 三年级(1)班
    re.compile(rf"{_GRADE}\s*[-—.]\s*{_NUMBER}\s*班?"),  # 3-1
    re.compile(rf"初(?P<junior>[一二三])\s*(?:年级)?\s*{_NUMBER}\s*班?"),  # 初一1班 = grade 7
]


def _numeral(text):
    return int(text) if text.isdigit() else _NUMERALS[text]


def parse_class(text):
    """(grade, number) from a class as schools write it, or None."""
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern in _CLASS_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            groups = match.groupdict()
            grade = 6 + _numeral(groups["junior"]) if groups.get("junior") else \
                _numeral(groups["grade"])
            return grade, _numeral(groups["number"])
    return None


def split_classes(text):
    normalised = unicodedata.normalize("NFKC", text)
    return [part.strip() for part in _CLASS_SEPARATORS.split(normalised) if part.strip()]


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into a number cell
    return str(value).strip()


@dataclass
class SheetRow:
    number: int  # as the spreadsheet numbers it: the header is row 1
    values: dict  # header -> text


def _too_big():
    return ValidationError(_("The file is larger than 5 MB. A list of teachers is far "
                             "smaller: check that this is the right file."))


def read_sheet(content):
    """The data rows of the first sheet; a ``ValidationError`` saying what is wrong
    with a file that cannot be imported at all."""
    if len(content) > MAX_FILE_BYTES:
        raise _too_big()
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = [_cell_text(value) for value in next(lines, ())]
        if not any(header):
            raise ValidationError(_("The file is empty. Download the template and copy your "
                                    "teachers into it."))
        columns = {name: header.index(name) for name in HEADERS if name in header}
        missing = [name for name in HEADERS if name not in columns]
        if missing:
            raise ValidationError(
                _("The first row must hold the column headers %(headers)s; %(missing)s "
                  "not found. Download the template and copy your rows into it.")
                % {"headers": "、".join(HEADERS), "missing": "、".join(missing)}
            )
        rows = []
        for number, line in enumerate(lines, start=2):
            values = {name: _cell_text(line[index]) if index < len(line) else ""
                      for name, index in columns.items()}
            if not any(values.values()):
                continue
            if len(rows) == MAX_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": MAX_ROWS}
                )
            rows.append(SheetRow(number=number, values=values))
        workbook.close()
    except ValidationError:
        raise
    except Exception as error:  # any file openpyxl cannot read is "not an xlsx file"
        raise ValidationError(
            _("This file cannot be read as an Excel workbook (.xlsx). Save it as .xlsx in "
              "Excel or WPS and upload it again.")
        ) from error
    if not rows:
        raise ValidationError(_("The file has no teachers under the header row."))
    return rows


class StaffUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Spreadsheet (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise _too_big()
        self.content = upload.read()
        self.rows = read_sheet(self.content)
        return upload


@dataclass
class RowProblem:
    row: int
    column: str  # a header, or "" for the row as a whole
    message: str


@dataclass
class StaffRow:
    """A row that can be imported: a new account, or changes to a teacher of the school."""

    row: int
    real_name: str
    phone: str
    username: str
    classrooms: list
    account: User | None = None  # the existing teacher; None for a new account
    # (field label, old, new) for an existing teacher
    changes: list = field(default_factory=list)

    @property
    def is_new(self):
        return self.account is None


@dataclass
class StaffImportPlan:
    school: object
    school_year: str
    rows: list  # StaffRow, for the rows without problems
    problems: list  # RowProblem
    row_count: int

    @property
    def is_valid(self):
        return not self.problems

    @property
    def new_rows(self):
        return [row for row in self.rows if row.is_new]

    @property
    def updated_rows(self):
        return [row for row in self.rows if not row.is_new]


def _label(field_name):
    return capfirst(User._meta.get_field(field_name).verbose_name)


def _class_label(grade, number):
    return _("Grade %(grade)s Class %(number)s") % {"grade": grade, "number": number}


class _Checker:
    """Checks one file's rows against the school and against each other."""

    def __init__(self, user, school, rows):
        self.school = school
        self.school_year = current_school_year()
        self.classrooms = {
            (c.grade, c.number): c
            for c in Classroom.objects.for_user(user)
            .filter(school=school, school_year=self.school_year)
            .select_related("homeroom_teacher")
        }
        usernames = {row.values[USERNAME] for row in rows if row.values[USERNAME]}
        self.accounts = {u.username: u for u in User.objects.filter(username__in=usernames)}
        self.own_staff = set(
            User.objects.for_user(user).filter(school=school).values_list("pk", flat=True)
        )
        self.username_rows = {}
        self.class_rows = {}
        self.problems = []

    def problem(self, row, column, message):
        self.problems.append(RowProblem(row=row.number, column=column, message=message))

    def check(self, row):
        before = len(self.problems)
        values = row.values
        real_name = values[NAME]
        if not real_name:
            self.problem(row, NAME, _("The name is missing."))
        elif len(real_name) > _NAME_MAX:
            self.problem(row, NAME, _("The name is longer than %(max)s characters.")
                         % {"max": _NAME_MAX})
        phone = self._phone(row)
        account = self._account(row)
        classrooms = self._classrooms(row)
        if len(self.problems) > before:
            return None
        staff_row = StaffRow(row=row.number, real_name=real_name, phone=phone,
                             username=values[USERNAME], classrooms=classrooms, account=account)
        if account is not None:
            staff_row.changes = self._changes(staff_row)
        return staff_row

    def _phone(self, row):
        try:
            return normalise_phone(row.values[PHONE])
        except ValidationError as error:
            self.problem(row, PHONE, " ".join(error.messages))
            return ""

    def _account(self, row):
        username = row.values[USERNAME]
        if not username:
            self.problem(row, USERNAME, _("The username is missing."))
            return None
        try:
            _validate_username(username)
            if len(username) > _USERNAME_MAX:
                raise ValidationError(_("The username is too long."))
        except ValidationError as error:
            self.problem(row, USERNAME, " ".join(error.messages))
            return None
        if username in self.username_rows:
            self.problem(row, USERNAME, _("This username is also on row %(row)s.")
                         % {"row": self.username_rows[username]})
            return None
        self.username_rows[username] = row.number
        account = self.accounts.get(username)
        if account is None:
            return None
        if account.pk not in self.own_staff:
            # Someone elsewhere: say so, without saying who or where.
            self.problem(row, USERNAME, _("This username is already taken by an account "
                                          "outside this school. Choose another."))
        elif not account.is_teacher:
            self.problem(row, USERNAME, _("This username belongs to a school administrator; "
                                          "the import changes teachers' accounts only."))
        elif not account.is_active:
            self.problem(row, USERNAME, _("This teacher's account is deactivated. Reactivate "
                                          "it in the administration first, or leave the row "
                                          "out."))
        return account

    def _classrooms(self, row):
        found = []
        for text in split_classes(row.values[CLASSES]):
            key = parse_class(text)
            if key is None:
                self.problem(row, CLASSES, _("“%(class)s” is not a class this import can "
                                             "read: write it like 3年级1班 or 3-1.")
                             % {"class": text})
                continue
            classroom = self.classrooms.get(key)
            if classroom is None:
                self.problem(row, CLASSES, _("This school has no class %(class)s in the "
                                             "school year %(year)s.")
                             % {"class": _class_label(*key), "year": self.school_year})
                continue
            if classroom in found:
                continue
            claimed_by = self.class_rows.setdefault(key, row.number)
            if claimed_by != row.number:
                self.problem(row, CLASSES, _("%(class)s is also given to the teacher on row "
                                             "%(row)s: a class has one homeroom teacher.")
                             % {"class": classroom, "row": claimed_by})
                continue
            found.append(classroom)
        return found

    def _changes(self, staff_row):
        account = staff_row.account
        changes = []
        if staff_row.real_name != account.real_name:
            changes.append((_label("real_name"), account.real_name, staff_row.real_name))
        if staff_row.phone and staff_row.phone != account.phone:
            changes.append((_label("phone"), account.phone, staff_row.phone))
        return changes


def staff_import_plan(*, user, school, content):
    """Check a staff file for ``school``: every row's problems, and what it would do.
    Raises ``ValidationError`` for a file that cannot be read at all."""
    rows = read_sheet(bytes(content))
    checker = _Checker(user, school, rows)
    staff_rows = [staff_row for row in rows if (staff_row := checker.check(row)) is not None]
    return StaffImportPlan(school=school, school_year=checker.school_year, rows=staff_rows,
                           problems=checker.problems, row_count=len(rows))
