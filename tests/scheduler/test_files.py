"""Scheduler files: the example set is valid; each problem names file and line; a broken
set never replaces the data being served."""

from pathlib import Path

from bot.cli import main
from scheduler.files import load_roster, normalize_phone
from scheduler.store import load_files_into
from tests.scheduler.conftest import LEVELS, TZ

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "scheduler" / "examples").glob("*.yaml"))


def problems_in(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return [str(p) for p in load_roster([path], LEVELS, tz=TZ)[1]]


def test_the_documented_example_set_is_valid():
    roster, problems = load_roster(EXAMPLES, LEVELS, tz=TZ)
    assert problems == []
    assert len(roster.units) == 3 and len(roster.tasks) == 4


def test_problems_name_the_file_and_line(tmp_path):
    problems = problems_in(
        tmp_path,
        "units:\n"
        "  - {id: hn, name: Hà Nội, level: tinh}\n"
        "  - {id: q1, name: Quận 1, level: huyen, parent: hn}\n"
        "tasks:\n"
        "  - id: t1\n"
        "    title: Báo cáo\n"
        "    monthly: 32\n"
        "    groups: [khong-co]\n"
        "  - id: t2\n"
        "    title: Họp\n"
        "    cron: '0 9 * * 1'\n"
        "    units: [hn]\n",
    )
    path = tmp_path / "bad.yaml"
    assert f"{path}:3: cấp 'huyen' không có trong levels (tinh, xa, thon)" in problems
    assert f"{path}:7: 'monthly' phải là ngày trong tháng từ 1 đến 31" in problems
    assert f"{path}:5: tổ công tác 'khong-co' không tồn tại" in problems
    assert any(p.startswith(f"{path}:11: thứ trong tuần của cron") for p in problems)


def test_duplicate_join_codes_and_ids_across_files_are_reported(tmp_path):
    one, two = tmp_path / "a.yaml", tmp_path / "b.yaml"
    unit = "units:\n  - {id: x, name: Xã A, level: xa}\n"
    one.write_text(unit + "groups:\n  - {id: g, name: Tổ, unit: x, join_code: ABCD}\n")
    two.write_text("groups:\n  - {id: g, name: Tổ, unit: x, join_code: ABCD}\n")
    problems = [str(p) for p in load_roster([one, two], LEVELS, tz=TZ)[1]]
    assert f"{two}:2: tổ công tác 'g' đã khai báo ở {one}:4" in problems


def test_a_broken_file_keeps_the_loaded_data(tmp_path, world):
    assert world.db.execute("SELECT COUNT(*) FROM tasks").fetchone() == (1,)
    broken = tmp_path / "broken.yaml"
    broken.write_text("tasks:\n  - id: t\n    title: [unclosed\n", encoding="utf-8")
    problems = load_files_into(world.db, [broken], LEVELS, "17:00", TZ)
    assert problems and problems[0].line >= 3
    assert world.db.execute("SELECT id FROM tasks WHERE active = 1").fetchall() == [("lam-sach",)]


def test_tasks_check_prints_file_line_problems_and_fails(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tasks:\n  - id: t\n    title: T\n    due: 31/12/2025\n    units: [x]\n")
    assert main(["tasks", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4: hạn '31/12/2025' phải là ngày dạng YYYY-MM-DD" in out
    assert main(["tasks", "check", *map(str, EXAMPLES)]) == 0
    assert capsys.readouterr().out.startswith("OK: 3 đơn vị, 3 tổ công tác")


def test_phone_numbers_are_compared_in_one_form():
    assert normalize_phone("+84 912 345 678") == "0912345678"
    assert normalize_phone("0912.345.678") == "0912345678"
    assert normalize_phone("12345") is None


def test_a_group_without_members_has_none_yet(tmp_path):
    path = tmp_path / "to.yaml"
    path.write_text("units:\n  - {id: x, name: Xã A, level: xa}\n"
                    "groups:\n  - {id: g, name: Tổ mới, unit: x, join_code: TOMOI06}\n"
                    "  - id: h\n    name: Tổ trống\n    unit: x\n    join_code: TOTRONG6\n"
                    "    members:\n",
                    encoding="utf-8")
    roster, problems = load_roster([path], LEVELS, tz=TZ)
    assert problems == []
    assert roster.groups["g"].members == () and roster.groups["h"].members == ()


def test_what_a_broken_units_file_breaks_elsewhere_is_one_consequence(tmp_path):
    units, groups = tmp_path / "don-vi.yaml", tmp_path / "to.yaml"
    units.write_text("units:\n  - {id: hn, name: Hà Nội, level: tinh}\n"
                     "  - {id: ba-dinh, name: [Ba Đình, level: xa, parent: hn}\n",
                     encoding="utf-8")
    groups.write_text("groups:\n"
                      "  - {id: g1, name: Tổ 1, unit: ba-dinh, join_code: TOMOT06}\n"
                      "  - {id: g2, name: Tổ 2, unit: ba-dinh, join_code: TOHAI06}\n"
                      "  - {id: g3, name: Tổ 3, unit: khong-co, join_code: TOBA06}\n"
                      "tasks:\n"
                      "  - {id: t1, title: Việc, monthly: 5, units: [hn]}\n", encoding="utf-8")
    syntax, unknown, consequence = [str(p) for p in load_roster([units, groups], LEVELS,
                                                                tz=TZ)[1]]
    assert syntax.startswith(f"{units}:3: lỗi cú pháp YAML")
    assert unknown == f"{groups}:4: đơn vị 'khong-co' của tổ không tồn tại"
    assert consequence == (
        f"{units}:3: vì lỗi ở đây, 3 tham chiếu từ chỗ khác cũng hỏng (đơn vị của tổ 'g1', "
        "đơn vị của tổ 'g2', đơn vị 'hn' của nhiệm vụ ở to.yaml:6); sẽ hết khi sửa lỗi này")


def test_tasks_given_to_a_broken_group_point_back_to_it_once(tmp_path):
    path = tmp_path / "to.yaml"
    path.write_text("units:\n  - {id: x, name: Xã A, level: xa}\n"
                    "groups:\n  - {id: g, name: Tổ, unit: x}\n"
                    "tasks:\n"
                    "  - {id: t1, title: Việc một, monthly: 5, groups: [g]}\n"
                    "  - {id: t2, title: Việc hai, monthly: 6, groups: [g]}\n", encoding="utf-8")
    assert [str(p) for p in load_roster([path], LEVELS, tz=TZ)[1]] == [
        f"{path}:4: tổ công tác thiếu 'join_code'",
        f"{path}:4: vì lỗi ở đây, 2 tham chiếu từ chỗ khác cũng hỏng (tổ 'g' của nhiệm vụ ở "
        "to.yaml:6, tổ 'g' của nhiệm vụ ở to.yaml:7); sẽ hết khi sửa lỗi này",
    ]
