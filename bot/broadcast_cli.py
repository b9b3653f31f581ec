"""`troly06 broadcast …`: admins draft, preview, send and follow broadcasts from a shell.

A thin layer over handlers/broadcast_store.py, registered by bot/cli.py in one line. The running
`troly06 run` (same configuration) does the sending: `send` only confirms, and the bot
picks the broadcast up within seconds; `status` shows its progress from the database.
A mistake is a BroadcastError, printed by bot/cli.py as one line.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path

from bot.broadcast import broadcasts_for
from bot.cli_args import positive_int
from bot.pidfile import pid_file_beside, running_bot
from foundations.settings_file import load_config
from handlers.audit import COMMAND_LINE, FAILED, AuditLog
from handlers.broadcast_model import CHANNEL_NAMES, Audience, BroadcastError
from handlers.broadcast_store import Broadcasts
from handlers.store import Storage

EXIT_OK = 0
BY = COMMAND_LINE  # who acted and from where, as the broadcasts table and audit log record it


def _broadcasts(args: argparse.Namespace) -> Broadcasts:
    config = load_config(args.config)
    return broadcasts_for(Storage.open(config.storage.path, config.storage.retention_days),
                          config)


@contextlib.contextmanager
def audited(broadcasts: Broadcasts, action: str) -> Iterator[None]:
    """Write the action to the audit log, as done or as failed with the reason."""
    log = AuditLog(broadcasts.db)
    try:
        yield
    except BroadcastError as exc:
        log.record(BY, action, BY, FAILED, str(exc))
        raise
    log.record(BY, action, BY)


def cmd_create(args: argparse.Namespace) -> int:
    """Draft a broadcast and show its preview; nothing is sent before `send`."""
    broadcasts = _broadcasts(args)
    with audited(broadcasts, "broadcast create"):
        return _create(args, broadcasts)


def _create(args: argparse.Namespace, broadcasts: Broadcasts) -> int:
    text = _text(args)
    if args.groups:
        if args.channel:
            raise BroadcastError("--channel chỉ dùng cho người dân; thành viên tổ nhận trên "
                                 "kênh họ đã đăng ký.")
        audience = Audience.of_groups(broadcasts.resolve_groups(args.groups.split(",")))
    else:
        audience = Audience.citizens(args.channel)
    draft = broadcasts.create(text, audience, BY)
    print(f"Đã tạo bản nháp thông báo #{draft.id}.")
    print(broadcasts.preview(draft.id).describe())
    print(f"\nGửi: troly06 broadcast send {draft.id}    Hủy: troly06 broadcast cancel {draft.id}")
    return EXIT_OK


def _text(args: argparse.Namespace) -> str:
    """The text given on the command line or read from --file (exactly one of them)."""
    if (args.text is None) == (args.file is None):
        raise BroadcastError("Cho nội dung thông báo: hoặc NỘI_DUNG, hoặc --file TỆP (một trong "
                             "hai).")
    if args.file is None:
        return args.text
    try:
        return Path(args.file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BroadcastError(f"{args.file}: không có tệp này.") from None
    except (OSError, UnicodeDecodeError):
        raise BroadcastError(f"{args.file}: không đọc được tệp văn bản UTF-8.") from None


def cmd_preview(args: argparse.Namespace) -> int:
    print(_broadcasts(args).preview(args.id).describe())
    return EXIT_OK


def cmd_send(args: argparse.Namespace) -> int:
    """Confirm a draft; the running bot sends it."""
    config = load_config(args.config)
    broadcasts = _broadcasts(args)
    with audited(broadcasts, f"broadcast send {args.id}"):
        progress = broadcasts.confirm(args.id, BY)
    print(f"Đã xác nhận thông báo #{args.id}: gửi tới {progress.total} người.")
    pid = running_bot(pid_file_beside(config.storage.path))
    if pid is None:
        print("Chưa thấy bot đang chạy với cấu hình này: thông báo sẽ được gửi khi "
              "troly06 run khởi động.")
    else:
        print(f"Bot đang chạy (tiến trình {pid}) bắt đầu gửi trong vài giây. Theo dõi: "
              f"troly06 broadcast status {args.id}")
    return EXIT_OK


def cmd_cancel(args: argparse.Namespace) -> int:
    broadcasts = _broadcasts(args)
    with audited(broadcasts, f"broadcast cancel {args.id}"):
        print(broadcasts.cancel(args.id, BY).describe())
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """One broadcast's progress, or the latest ones."""
    broadcasts = _broadcasts(args)
    if args.id is not None:
        print(broadcasts.progress(args.id).describe())
        return EXIT_OK
    latest = broadcasts.recent(args.limit)
    if not latest:
        print("Chưa có thông báo nào.")
    for progress in latest:
        print(progress.describe())
    return EXIT_OK


def add_broadcast_commands(commands: argparse._SubParsersAction) -> None:
    """Register `broadcast create|preview|send|cancel|status` on the main parser."""
    broadcast = commands.add_parser(
        "broadcast", help="gửi thông báo tới người dân đã đăng ký hoặc tới các tổ công tác")
    sub = broadcast.add_subparsers(dest="broadcast_command", metavar="LỆNH", required=True)
    create = sub.add_parser("create", help="soạn bản nháp thông báo và xem trước (chưa gửi)")
    create.add_argument("text", nargs="?", metavar="NỘI_DUNG", help="nội dung thông báo")
    create.add_argument("--file", type=Path, metavar="TỆP", help="đọc nội dung từ tệp UTF-8")
    create.add_argument("--channel", choices=list(CHANNEL_NAMES), metavar="KÊNH",
                        help="chỉ người dân trên kênh này (telegram, zalo_bot, zalo_oa)")
    create.add_argument("--groups", metavar="MÃ,MÃ",
                        help="gửi tới thành viên các tổ công tác (mã tổ, mã tham gia hoặc mã "
                             "đơn vị) thay cho người dân")
    create.set_defaults(func=cmd_create)
    for name, func, summary in (
        ("preview", cmd_preview, "xem trước: số người nhận mỗi kênh và nội dung từng kênh"),
        ("send", cmd_send, "xác nhận bản nháp: bot đang chạy sẽ gửi đi"),
        ("cancel", cmd_cancel, "hủy bản nháp hoặc dừng thông báo đang gửi"),
    ):
        command = sub.add_parser(name, help=summary)
        command.add_argument("id", type=positive_int, metavar="SỐ", help="số thông báo")
        command.set_defaults(func=func)
    status = sub.add_parser("status", help="tiến độ một thông báo, hoặc các thông báo gần đây")
    status.add_argument("id", nargs="?", type=positive_int, metavar="SỐ", help="số thông báo")
    status.add_argument("--limit", type=positive_int, default=10, metavar="N",
                        help="số thông báo gần đây (mặc định 10)")
    status.set_defaults(func=cmd_status)
