"""Configuration: defaults, the documented example, environment overrides, secrets, and one
clear Vietnamese line for every mistake an admin can make."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
import yaml

from foundations.settings import DEFAULTS, ConfigError
from foundations.settings_file import load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"


def flatten(data: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def test_the_example_documents_every_key_with_its_default():
    example = flatten(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    defaults = flatten(DEFAULTS)
    assert sorted(set(defaults) - set(example)) == [], "keys missing from config.example.yaml"
    assert sorted(set(example) - set(defaults)) == [], "keys the code does not know"
    differing = {k: (example[k], defaults[k]) for k in defaults if example[k] != defaults[k]}
    assert differing == {}


def test_the_example_itself_loads_cleanly():
    assert load_config(EXAMPLE, environ={}).scheduler.offsets_days == (7, 3, 1, 0)


def test_no_config_file_means_embedded_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = load_config(environ={})
    assert config.source is None
    assert str(config.storage.path) == DEFAULTS["storage"]["path"]


def test_environment_variables_override_the_file(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("telegram:\n  token: from-file\n", encoding="utf-8")
    config = load_config(path, environ={"TROLY06_TELEGRAM_TOKEN": "123:45",
                                        "TROLY06_ZALO_BOT_TOKEN": "zalo"})
    assert config.telegram.token == "123:45"  # stays a string, not sexagesimal
    assert config.zalo_bot.token == "zalo"


def test_secrets_never_appear_when_the_config_is_printed(tmp_path):
    config = load_config(None, environ={"TROLY06_TELEGRAM_TOKEN": "123:SECRET",
                                        "TROLY06_TELEGRAM_SECRET_TOKEN": "hush"})
    shown = repr(config)
    assert "SECRET" not in shown and "hush" not in shown and "***" in shown


# Typed values: every key has the type of its default, whether it comes from the file or
# from the environment.

@pytest.mark.parametrize("word, expected", [
    ("false", False), ("0", False), ("no", False), ("không", False), ("KHÔNG", False),
    ("true", True), ("1", True), ("yes", True), ("có", True),
])
def test_environment_booleans_mean_what_they_say(word, expected):
    config = load_config(None, environ={"TROLY06_SCHEDULER_ENABLED": word})
    assert config.scheduler.enabled is expected


def test_environment_numbers_lists_and_nested_keys_are_cast(tmp_path):
    config = load_config(None, environ={
        "TROLY06_KNOWLEDGE_ANSWER_THRESHOLD": "80",
        "TROLY06_ADMIN_USERS": "telegram:1, zalo_bot:abc",
        "TROLY06_SCHEDULER_OFFSETS_DAYS": "5,2",
        "TROLY06_SCHEDULER_REMINDER_TIME": "07:30",
        "TROLY06_OUTBOX_RATES_TELEGRAM": "20",
    })
    assert config.knowledge.answer_threshold == 80.0
    assert config.admin.users == ("telegram:1", "zalo_bot:abc")
    assert config.scheduler.offsets_days == (5, 2)
    assert config.scheduler.reminder_time == time(7, 30)
    assert dict(config.outbox.rates) == {**DEFAULTS["outbox"]["rates"], "telegram": 20.0}


def test_a_partial_rates_table_keeps_the_other_channels_defaults(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("outbox:\n  rates:\n    zalo_oa: 2\n", encoding="utf-8")
    assert dict(load_config(path, environ={}).outbox.rates) == {
        **DEFAULTS["outbox"]["rates"], "zalo_oa": 2.0}


def test_an_empty_section_keeps_its_defaults(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("admin:\ntelegram:\n", encoding="utf-8")
    assert load_config(path, environ={}).admin.users == ()


# Mistakes: each is one line naming where (file:line or the variable) and the key.

def problems(tmp_path: Path, text: str = "", environ: dict[str, str] | None = None) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, environ=environ or {})
    return str(caught.value).splitlines()


def test_a_word_where_a_number_belongs(tmp_path):
    assert problems(tmp_path, "knowledge:\n  answer_threshold: cao\n") == [
        f"{tmp_path / 'config.yaml'}:2: knowledge.answer_threshold phải là một số "
        "(đang là chuỗi 'cao')"
    ]


def test_a_bad_environment_number_names_the_variable(tmp_path):
    assert problems(tmp_path, environ={"TROLY06_KNOWLEDGE_ANSWER_THRESHOLD": "abc"}) == [
        "TROLY06_KNOWLEDGE_ANSWER_THRESHOLD: knowledge.answer_threshold phải là một số "
        "(đang là chuỗi 'abc')"
    ]


def test_a_bad_environment_boolean_is_refused_not_taken_as_true(tmp_path):
    (line,) = problems(tmp_path, environ={"TROLY06_SCHEDULER_ENABLED": "tắt"})
    assert line.startswith("TROLY06_SCHEDULER_ENABLED: scheduler.enabled phải là true hoặc false")


def test_a_misspelt_section_is_reported_with_a_suggestion(tmp_path):
    assert problems(tmp_path, "storage:\n  path: x.db\nadmn:\n  users: [telegram:1]\n") == [
        f"{tmp_path / 'config.yaml'}:3: không có mục 'admn' (có phải ý bạn là admin?)"
    ]


def test_a_misspelt_key_is_reported_with_a_suggestion(tmp_path):
    assert problems(tmp_path, "scheduler:\n  offset_days: [3, 1]\n") == [
        f"{tmp_path / 'config.yaml'}:2: không có khoá scheduler.offset_days "
        "(có phải ý bạn là scheduler.offsets_days?)"
    ]


def test_a_misspelt_environment_variable_is_reported(tmp_path):
    assert problems(tmp_path, environ={"TROLY06_TELEGRAM_TOKN": "1:a"}) == [
        "TROLY06_TELEGRAM_TOKN: không có khoá telegram.tokn (có phải ý bạn là telegram.token?)"
    ]


def test_one_user_written_where_a_list_belongs_is_refused(tmp_path):
    (line,) = problems(tmp_path, "admin:\n  users: console:local\n")
    assert line.startswith(f"{tmp_path / 'config.yaml'}:2: admin.users phải là một danh sách, "
                           "ví dụ [console:local]")


def test_a_wrong_item_in_a_list_is_named(tmp_path):
    (line,) = problems(tmp_path, "scheduler:\n  offsets_days: [7, ba, 1]\n")
    assert "scheduler.offsets_days mục thứ 2 (chuỗi 'ba') phải là một số nguyên" in line


@pytest.mark.parametrize("text, says", [
    ("telegram:\n  mode: poll\n", "telegram.mode phải là một trong: polling, webhook"),
    ("scheduler:\n  reminder_time: 8:00\n", 'scheduler.reminder_time phải là giờ dạng "HH:MM"'),
    ("scheduler:\n  timezone: Asia/Hanoi\n", "scheduler.timezone phải là tên múi giờ"),
    ("flood:\n  per_seconds: -5\n", "flood.per_seconds không được là số âm"),
    ("knowledge:\n  answer_threshold: 720\n",
     "knowledge.answer_threshold phải là một điểm từ 0 đến 100"),
    ("knowledge:\n  fallback_confidence: 150\n",
     "knowledge.fallback_confidence phải là một điểm từ 0 đến 100"),
    ("knowledge:\n  offtopic_confidence: 101\n",
     "knowledge.offtopic_confidence phải là một điểm từ 0 đến 100"),
    ("admin:\n  users: [123456]\n",
     'admin.users mục thứ 1 (123456) phải có dạng kênh:mã người dùng, ví dụ "telegram:123456"'),
    ("outbox:\n  rates:\n    telegarm: 5\n",
     "outbox.rates không có khoá con 'telegarm' (có phải ý bạn là telegram?)"),
    ("storage: data.db\n", "mục storage phải gồm các khoá con"),
])
def test_other_mistakes_are_one_line_each(tmp_path, text, says):
    (line,) = problems(tmp_path, text)
    assert says in line


def test_every_mistake_is_listed_at_once_in_file_order_then_the_environment(tmp_path):
    lines = problems(tmp_path, "flood:\n  max_messages: nhiều\nadmn: {}\n",
                     {"TROLY06_SCHEDULER_ENABLED": "maybe", "TROLY06_ADMN_USERS": "x"})
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{tmp_path / 'config.yaml'}:2", f"{tmp_path / 'config.yaml'}:3",
        "TROLY06_ADMN_USERS", "TROLY06_SCHEDULER_ENABLED"]


def test_a_wrong_secret_is_named_but_never_shown(tmp_path):
    (line,) = problems(tmp_path, "telegram:\n  token: [s3cr3t-value]\n")
    assert "telegram.token phải là một chuỗi" in line and "s3cr3t" not in line

