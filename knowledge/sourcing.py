"""What makes an entry's sources trustworthy: warnings in `kb check`, and a spec holds the
shipped FAQ to none.

A citizen acts on the answer, so its facts must come from pages anyone can re-read and
trust (an official page or a reputable newspaper over https, never a dataset on a model hub
or a personal code repository), and the answer must have been checked after its newest
source was read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from foundations.yaml_lines import Problem
from knowledge.model import Entry

WARNING = "warning"  # `kb check` shows them; the shipped FAQ's spec allows none
UNTRUSTED_HOSTS = ("huggingface.co", "hf.co", "github.com", "githubusercontent.com")


def source_problems(entry: Entry) -> list[Problem]:
    """Every doubtful source of `entry`, at the source's line, and a stale `updated`."""
    problems = []
    for source in entry.sources:
        line = source.line or entry.line
        if not source.url.startswith("https://"):
            problems.append(Problem(entry.file, line,
                                    f"nguồn {source.url} không phải địa chỉ https://", WARNING))
        host = urlsplit(source.url).hostname or ""
        if any(host == h or host.endswith("." + h) for h in UNTRUSTED_HOSTS):
            problems.append(Problem(entry.file, line,
                                    f"nguồn {host} là bộ dữ liệu hay kho mã, không phải "
                                    f"trang chính thức hay báo uy tín", WARNING))
    newest = max((s.read for s in entry.sources if s.read), default=None)
    if newest is not None and entry.updated < newest:
        problems.append(Problem(entry.file, entry.line,
                                f"mục '{entry.id}': 'updated' {entry.updated} cũ hơn ngày đọc "
                                f"nguồn mới nhất {newest}: kiểm tra lại câu trả lời rồi sửa "
                                f"'updated'", WARNING))
    return problems
