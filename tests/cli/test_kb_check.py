"""`troly06 kb check` without a folder checks the folder the bot serves: knowledge.faq_dir."""

from __future__ import annotations

from bot.cli import main
from tests.faq_files import entry_yaml


def test_kb_check_without_a_folder_checks_the_configured_faq_dir(make_config, make_faq_dir,
                                                                   capsys):
    folder = make_faq_dir({"a.yaml": entry_yaml("mot", "Hỏi?", ["a", "b", "c", "d"],
                                                 related="[khong-co]")})
    config = make_config(knowledge__faq_dir=str(folder))
    assert main(["--config", str(config.source), "kb", "check"]) == 1
    assert f"{folder / 'a.yaml'}:1: related: không có mục nào có id 'khong-co'" in (
        capsys.readouterr().out)


def test_a_folder_given_on_the_command_line_wins_over_the_configuration(
        make_config, make_faq_dir, faq_dir, capsys):
    broken = make_faq_dir({"a.yaml": "- id: [chưa đóng\n"})
    config = make_config(knowledge__faq_dir=str(broken))
    assert main(["--config", str(config.source), "kb", "check", str(faq_dir)]) == 0
    assert capsys.readouterr().out.startswith("OK:")
