"""The hostile-case table: named hostile inputs, one group per test, each case run through
the entry point a user would hit (the CLI in-process with sampling replaced by a
sentinel, real processes for concurrent writers and SIGKILL, real requests to a real
app server) and required to end cleanly: a valid result, or exit status 2 (the app: 403
/ 413 / the page's message) with one message, never a traceback, a signal or a silent
change. The cases re-create the hand-tried table of the reliability issue: its twelve
failures and three audit bugs by name, and the kinds of case its groups name (the
original list was not kept in the repository). If FOOMCALC_HOSTILE_TABLE names a file,
each test adds its group's counts to it (scripts/validate.py puts them in
docs/validation.md).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from foomcalc.cli import commands as cli
from foomcalc.errors import InputError
from foomcalc.evidence.files import MAX_MB, copy_name, load_evidence
from foomcalc.inference import scaling_fit
from foomcalc.reporting import workflow
from foomcalc.reporting.output import claim_folder, write_atomically
from foomcalc.reporting.report import Block, render_html, render_markdown
from foomcalc.survey import run as survey_run
from tests.browser import AppServer
from tests.folder_holder import start_holder

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
Check = Callable[[Path], None]


class Reached(Exception):
    """Raised in place of sampling (or the survey's work): the inputs passed every check."""


def _reached(*args, **kwargs):
    raise Reached


def run_cli(*args: str) -> tuple[int | None, str, bool]:
    """(exit code, output, whether sampling was reached) of `foomcalc ARGS` in-process,
    with sampling, fitting, comparing and the survey's work replaced by the sentinel."""
    with pytest.MonkeyPatch.context() as mp:
        for module, name in ((workflow, "make_report"), (scaling_fit, "fit_scaling_evidence"),
                             (survey_run, "plan_bases"), (cli, "make_comparison")):
            mp.setattr(module, name, _reached)
        result = CliRunner().invoke(cli.app, list(args), catch_exceptions=True)
    reached = isinstance(result.exception, Reached)
    if result.exception is not None and not reached:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.output, reached


def refused(*args: str, says: str = "") -> None:
    """The command exits 2 with one `error:` message (containing `says`), no traceback,
    before any sampling."""
    code, out, reached = run_cli(*args)
    assert not reached, f"sampling was reached: {out[-500:]}"
    assert code == 2, (code, out[-800:])
    assert "Traceback" not in out and out.lower().count("error") >= 1, out
    assert says in out, (says, out[-800:])


def accepted(*args: str, says: str = "") -> None:
    """The command's checks pass (sampling is reached), saying `says` on the way."""
    code, out, reached = run_cli(*args)
    assert reached, (code, out[-800:])
    assert says in out, (says, out[-800:])


def priors_case(body: str, says: str = "", raw: bool = False) -> Check:
    def check(tmp: Path) -> None:
        path = tmp / "p.yaml"
        text = body if raw else "name: t\ndescription: d\nbase: default\nparameters:\n" + body
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        refused("report", "--priors", str(path), "--out", str(tmp / "out"), says=says)
        assert not (tmp / "out").exists()
    return check


def evidence_case(content: bytes | str, says: str = "", name: str = "e.csv",
                  ok: bool = False) -> Check:
    def check(tmp: Path) -> None:
        path = tmp / name
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        args = ("report", "--evidence", str(path), "--out", str(tmp / "out"))
        (accepted if ok else refused)(*args, says=says)
    return check


def sparse_file(path: Path, header: bytes, size: int) -> Path:
    with path.open("wb") as f:
        f.write(header)
        f.truncate(size)
    return path


#: A survey CSV's header: respondent and three quantiles of speedup.
HEADER = "respondent,speedup@10,speedup@50,speedup@90\n"


def scaling_text(n_rows: int) -> str:
    rng = np.random.default_rng(0)
    n = 10 ** rng.uniform(7, 11, n_rows)
    d = 20 * n * 10 ** rng.uniform(-1, 1, n_rows)
    loss = (1.69 + 406.4 / n**0.34 + 410.7 / d**0.28) * np.exp(rng.normal(0, 0.02, n_rows))
    return "params,tokens,loss\n" + "\n".join(
        f"{a:.6g},{b:.6g},{c:.5f}" for a, b, c in zip(n, d, loss, strict=True)) + "\n"


def record_and_assert(group: str, cases: dict[str, Check], tmp_path: Path) -> None:
    """Run every case of a group in a folder of its own; record the group's counts when
    FOOMCALC_HOSTILE_TABLE asks; fail naming every case that did not end cleanly."""
    failures = {}
    for i, (name, check) in enumerate(cases.items()):
        folder = tmp_path / f"case{i}"
        folder.mkdir()
        try:
            check(folder)
        except (Exception, pytest.fail.Exception) as exc:  # every failure is reported
            failures[name] = f"{type(exc).__name__}: {str(exc)[:300]}"
    target = os.environ.get("FOOMCALC_HOSTILE_TABLE")
    if target:
        path = Path(target)
        recorded = json.loads(path.read_text()) if path.is_file() else {}
        recorded[group] = {"cases": len(cases), "clean": len(cases) - len(failures),
                           "names": list(cases)}
        path.write_text(json.dumps(recorded, indent=1))
    assert not failures, json.dumps(failures, indent=1)


# ---------------------------------------------------------------- priors files

PRIORS_CASES: dict[str, Check] = {
    "LogNormal mu 1e308 (segfaulted the sampler)": priors_case(
        "  retrain_months: {dist: LogNormal, mu: 1e308, sigma: 1, source: x}\n", "1e+308"),
    "quantiles 1e300/1e301/1e302 (exit 1 after 45 s)": priors_case(
        "  retrain_months: {quantiles: {10: 1e300, 50: 1e301, 90: 1e302}, source: x}\n",
        "quantiles"),
    "fixed retrain_months 1e-300": priors_case(
        "  retrain_months: {value: 1e-300, source: x}\n", "range foomcalc computes with"),
    "fixed speedup 1e308": priors_case("  speedup: {value: 1e308, source: x}\n", "speedup"),
    "fixed substitution_elasticity 0 (segfaulted)": priors_case(
        "  substitution_elasticity: {value: 0, source: x}\n", "bound the model"),
    "fixed compute_share 1": priors_case("  compute_share: {value: 1, source: x}\n",
                                         "bound the model"),
    "LogNormal mu -800 (underflows to 0)": priors_case(
        "  retrain_months: {dist: LogNormal, mu: -800, sigma: 1, source: x}\n", "bounds"),
    "StudentT nu 0.01 (tails beyond 1e60)": priors_case(
        "  automation_year: {dist: StudentT, mu: 2030, sigma: 1, nu: 0.01, source: x}\n",
        "automation_year"),
    "NaN value": priors_case("  speedup: {value: .nan, source: x}\n", "finite"),
    "infinite sigma": priors_case(
        "  speedup: {dist: ShiftedLogNormal, mu: 1, sigma: .inf, source: x}\n", "finite"),
    "quantiles decreasing": priors_case(
        "  speedup: {quantiles: {10: 9, 50: 5, 90: 2}, source: x}\n", "increase"),
    "Beta on a parameter above 1": priors_case(
        "  speedup: {dist: Beta, alpha: 2, beta: 2, source: x}\n", "speedup"),
    "unknown parameter": priors_case("  speed_up: {value: 3, source: x}\n", "unknown"),
    "python/object tag": priors_case(
        "!!python/object/apply:os.system ['touch /tmp/foomcalc-pwned']\n", "YAML", raw=True),
    "3000 nested lists": priors_case("parameters: " + "[" * 3000 + "]" * 3000 + "\n",
                                     raw=True),
    "alias bomb": priors_case(
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
        "unknown key", raw=True),
    "hard_takeoff_days 1e9": priors_case("  speedup: {value: 3, source: x}\n"
                                         "hard_takeoff_days: 1e9\n", "horizon"),
    "gap weights all zero": priors_case(
        "  speedup: {value: 3, source: x}\ngap_from: mixture\ngap_weights: {scaling: 0}\n",
        "all zero"),
    "file over the 1 MB limit": priors_case("#" * 1_100_000 + "\n", "FOOMCALC_MAX_PRIORS_MB",
                                            raw=True),
    "not UTF-8": lambda tmp: (tmp.joinpath("p.yaml").write_bytes(b"name: \xff\xfe\n"),
                              refused("report", "--priors", str(tmp / "p.yaml"), "--out",
                                      str(tmp / "o"), says="UTF-8")),
    "a folder as --priors": lambda tmp: refused("report", "--priors", str(tmp), "--out",
                                                str(tmp / "o"), says="folder"),
    "missing priors file": lambda tmp: refused("report", "--priors", str(tmp / "nope.yaml"),
                                               "--out", str(tmp / "o"), says="no such file"),
}


def test_table_priors_files(tmp_path):
    record_and_assert("priors files", PRIORS_CASES, tmp_path)


# ---------------------------------------------------------------- evidence files

SUBSTITUTION = "# kind: substitution\nstudy,domain,estimate,se,citation\n"
EVIDENCE_CASES: dict[str, Check] = {
    "1e6-row 32 MB scaling file (looked like a hang)": evidence_case(
        scaling_text(1_000_000), "the likelihood uses 500 of them", ok=True),
    "1e5-row scaling file": evidence_case(scaling_text(100_000), "100,000 points", ok=True),
    "60 MB file": lambda tmp: refused(
        "report", "--evidence", str(sparse_file(tmp / "big.csv", b"params,tokens,loss\n",
                                                60 * 2**20)),
        "--out", str(tmp / "o"), says=MAX_MB.env),
    "2.5 M short rows": evidence_case("# kind: observations\nname,likelihood_ratio\n"
                                      + "a,1\n" * 2_500_000, "FOOMCALC_MAX_EVIDENCE_ROWS"),
    "6,000 compute_trend rows": evidence_case(
        "date,training_flop\n" + "".join(f"{2000 + i / 1000:.3f},{1e20 * (1 + i):.6g}\n"
                                         for i in range(6000)), "FOOMCALC_MAX_MODEL_ROWS"),
    "substitution estimate in the 1.96 / 1.95996 sliver (NaN log value)": evidence_case(
        SUBSTITUTION + "a,ai-research,-1.95998,1,c\n", "excludes every positive"),
    "binary junk": evidence_case(bytes(range(256)) * 4, "UTF-8"),
    "empty file": evidence_case("", "empty"),
    "header only": evidence_case("params,tokens,loss\n", "no data rows"),
    "NaN and inf cells": evidence_case("params,tokens,loss\nnan,1e10,2\n1e9,inf,2\n",
                                       "finite"),
    "ragged row": evidence_case("params,tokens,loss\n1e9,2e10,2.5,7\n"),
    "duplicate rows": evidence_case("params,tokens,loss\n1e9,2e10,2.5\n1e9,2e10,2.5\n",
                                    "duplicates"),
    "unknown kind": evidence_case("# kind: scalling\nparams,tokens,loss\n1e9,2e10,2.5\n",
                                  "unknown kind"),
    "perplexity instead of loss": evidence_case("params,tokens,loss\n1e9,2e10,25\n",
                                                "perplexity"),
    "params in millions": evidence_case("params,tokens,loss\n70,2e10,2.5\n", "raw count"),
    "latin-1 text": evidence_case("name,likelihood_ratio\ncaf\xe9,1\n".encode("latin-1"),
                                  "UTF-8"),
    "a folder as --evidence": lambda tmp: refused("report", "--evidence", str(tmp), "--out",
                                                  str(tmp / "o"), says="not a file"),
    "file name too long": lambda tmp: refused("report", "--evidence",
                                              str(tmp / ("a" * 300 + ".csv")), "--out",
                                              str(tmp / "o"), says="cannot read"),
    "/dev/null as evidence": lambda tmp: refused("report", "--evidence", "/dev/null",
                                                 "--out", str(tmp / "o")),
    "BOM and CRLF (valid)": evidence_case("\ufeffname,likelihood_ratio\r\nobs,1.5\r\n",
                                          ok=True),
    "spreadsheet formula in a note (kept as text)": evidence_case(
        "name,likelihood_ratio,note\nobs,1.5,\"=cmd|' /C calc'!A0\"\n", ok=True),
}


def test_table_evidence_files(tmp_path):
    record_and_assert("evidence files", EVIDENCE_CASES, tmp_path)


# ---------------------------------------------------------------- CLI arguments and output

def with_report(tmp: Path) -> Path:
    (tmp / "rep").mkdir()
    (tmp / "rep" / "summary.json").write_text("{}")
    return tmp / "rep"


CLI_CASES: dict[str, Check] = {
    "--out some/file.txt/sub (exit 1 after sampling)": lambda tmp: (
        tmp.joinpath("file.txt").write_text("keep"),
        refused("report", "--out", str(tmp / "file.txt" / "sub"), says="is a file")),
    "compare --out some/file.txt/sub (crashed when writing)": lambda tmp: (
        tmp.joinpath("file.txt").write_text("keep"),
        refused("compare", str(tmp), str(tmp), "--out", str(tmp / "file.txt" / "sub"),
                says="is a file")),
    "survey --out some/file.txt/sub": lambda tmp: (
        tmp.joinpath("file.txt").write_text("keep"),
        tmp.joinpath("s.csv").write_text(HEADER + "ok1,2,5,20\n"),
        refused("survey", str(tmp / "s.csv"), "--out", str(tmp / "file.txt" / "sub"),
                says="is a file")),
    "--out a folder of other files": lambda tmp: (
        tmp.joinpath("mine").mkdir(), tmp.joinpath("mine", "thesis.tex").write_text("x"),
        refused("report", "--out", str(tmp / "mine"), says="not empty")),
    "--out an existing report without --force": lambda tmp: refused(
        "report", "--out", str(with_report(tmp)), says="--force"),
    "--out an existing report with --force (valid)": lambda tmp: accepted(
        "report", "--out", str(with_report(tmp)), "--force"),
    "--out a name too long": lambda tmp: refused("report", "--out", str(tmp / ("o" * 300))),
    "--seed -1": lambda tmp: refused("report", "--seed", "-1", "--out", str(tmp / "o")),
    "--draws 10": lambda tmp: refused("report", "--draws", "10", "--out", str(tmp / "o")),
    "--draws 1e9": lambda tmp: refused("report", "--draws", "1e9", "--out", str(tmp / "o")),
    "--compression 1e400x2": lambda tmp: refused("report", "--compression", "1e400x2",
                                                 "--out", str(tmp / "o"), says="compression"),
    "--compression 5x600": lambda tmp: refused("report", "--compression", "5x600", "--out",
                                               str(tmp / "o"), says="horizon"),
    "--priors and --preset": lambda tmp: refused(
        "report", "--priors", "x.yaml", "--preset", "default", "--out", str(tmp / "o"),
        says="not both"),
    "unknown preset": lambda tmp: refused("report", "--preset", "defualt", "--out",
                                          str(tmp / "o"), says="did you mean"),
    "--drop-evidence of a file not bundled": lambda tmp: refused(
        "report", "--drop-evidence", "nope.csv", "--out", str(tmp / "o"), says="not a bundled"),
    "unknown command": lambda tmp: refused("reprot"),
    "unknown option": lambda tmp: refused("report", "--bogus"),
    "fit-scaling --plot x.txt": lambda tmp: refused(
        "fit-scaling", str(ROOT / "data" / "examples" / "scaling_synthetic.csv"),
        "--plot", str(tmp / "x.txt"), says=".png"),
}


def test_table_cli_arguments_and_output(tmp_path):
    record_and_assert("CLI arguments and output", CLI_CASES, tmp_path)


# ---------------------------------------------------------------- writers: concurrency, kill

def killed(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)


def second_writer_refused(tmp: Path) -> None:
    first = start_holder(tmp / "out")
    try:
        refused("report", "--out", str(tmp / "out"), says=f"pid {first.pid}")
    finally:
        killed(first)


def sigkill_mid_write_cleaned(tmp: Path) -> None:
    writer = start_holder(tmp / "out", fill_bytes=16 * 2**20)
    killed(writer)
    assert (tmp / f".out.tmp-{writer.pid}").is_dir()
    write_atomically(tmp / "out", lambda d: (d / "summary.json").write_text("{}"))
    assert sorted(p.name for p in tmp.iterdir()) == ["out"]


def killed_swap_restored(tmp: Path) -> None:
    writer = start_holder(tmp / "out")
    killed(writer)  # its lock file stays behind, released by the kernel
    aside = tmp / f".out.old-{writer.pid}"
    aside.mkdir()
    (aside / "summary.json").write_text("{\"old\": 1}")
    with claim_folder(tmp / "out"):
        pass
    assert (tmp / "out" / "summary.json").read_text() == "{\"old\": 1}"
    assert sorted(p.name for p in tmp.iterdir()) == ["out"]


def second_thread_refused(tmp: Path) -> None:
    import threading  # only this case starts a thread

    errors = []

    def other() -> None:
        try:
            with claim_folder(tmp / "out"):
                pass
        except InputError as exc:
            errors.append(str(exc))

    with claim_folder(tmp / "out"):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(30)
    assert errors and "is writing this report folder" in errors[0]


WRITER_CASES: dict[str, Check] = {
    "two writers, one folder (both said 'wrote')": second_writer_refused,
    "SIGKILL while writing (left .out.tmp-NNNN)": sigkill_mid_write_cleaned,
    "killed between the two renames": killed_swap_restored,
    "two threads of one process": second_thread_refused,
}


def test_table_writers(tmp_path):
    record_and_assert("report writers", WRITER_CASES, tmp_path)


# ---------------------------------------------------------------- survey inputs

def survey_case(name: str, content: str | bytes, says: str = "") -> Check:
    def check(tmp: Path) -> None:
        path = tmp / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        refused("survey", str(path), "--out", str(tmp / "o"), says=says)
        assert not (tmp / "o").exists()
    return check


def survey_folder_case(tmp: Path) -> None:
    folder = tmp / "people"
    folder.mkdir()
    for name in ("ok1.yaml", "OK1.yml"):
        (folder / name).write_text("name: x\ndescription: y\nbase: default\n")
    refused("survey", str(folder), "--out", str(tmp / "o"), says="given twice")


SURVEY_CASES: dict[str, Check] = {
    "two ok1 rows with different values (kept one)": survey_case(
        "s.csv", HEADER + "ok1,2,5,20\nok1,3,9,40\n", "respondent 'ok1' is given twice"),
    "ids differing in case": survey_case("s.csv", HEADER + "ok1,2,5,20\nOK1,3,9,40\n",
                                         "given twice"),
    "YAML key given twice": survey_case("s.yaml", "ok1: {base: default}\nok1: {base: "
                                                  "seed-ai-foom}\n", "given twice"),
    "two files for one id": survey_folder_case,
    "row with more cells than the header": lambda tmp: (
        tmp.joinpath("s.csv").write_text(HEADER + "ok1,2,5,20,99\n"),
        refused("survey", str(tmp / "s.csv"), "--out", str(tmp / "o"), says="more cells")),
    "binary CSV": survey_case("s.csv", bytes(range(128, 256)), "cannot read"),
    "YAML syntax error": survey_case("s.yaml", "ok1: [unclosed\n", "YAML"),
    "every respondent invalid": survey_case("s.csv", HEADER + "../x,2,5,20\n",
                                            "no valid respondent"),
    "empty CSV": survey_case("s.csv", "", "respondent"),
}


def test_table_survey_inputs(tmp_path):
    record_and_assert("survey inputs", SURVEY_CASES, tmp_path)


# ---------------------------------------------------------------- report text

NAME = "<script>alert('name')</script>"
SOURCE = "<img src=x onerror=alert(1)>"


def report_text_clean(text: str) -> Check:
    def check(tmp: Path) -> None:
        blocks = [Block("h1", text), Block("p", text), Block("table", "t", headers=("a",),
                                                              rows=((text,),))]
        md, page = render_markdown(blocks), render_html(blocks, text)
        for raw in ("<script", "<img"):
            assert raw not in md and raw not in page, raw
        assert "](javascript" not in md  # in HTML the same characters are plain text
        assert len([line for line in md.splitlines() if line.startswith("|")]) == 3
    return check


def evidence_copy_named_safely(name: str) -> Check:
    def check(tmp: Path) -> None:
        path = tmp / name
        path.write_text("name,likelihood_ratio\nobs,1.5\n")
        ev = load_evidence(path)
        (tmp / "report").mkdir()
        workflow.copy_user_evidence(tmp / "report", [ev])
        copies = [p.name for p in (tmp / "report" / "evidence").iterdir()]
        assert copies == [copy_name(ev)] and all(c not in copies[0] for c in "\n$()/ ")
    return check


REPORT_CASES: dict[str, Check] = {
    "<script> in a priors name (raw in report.md)": report_text_clean(NAME),
    "<img onerror> in a source": report_text_clean(SOURCE),
    "Markdown link to javascript:": report_text_clean("[x](javascript:alert(1))"),
    "line break starting a heading and a table row": report_text_clean("a\n# b\n| c |"),
    "evidence file name with a newline": evidence_copy_named_safely("obs\nx.csv"),
    "evidence file name with $(...)": evidence_copy_named_safely("$(touch pwned).csv"),
}


def test_table_report_text(tmp_path):
    record_and_assert("report text", REPORT_CASES, tmp_path)


# ---------------------------------------------------------------- the app

def link_message(query: str, says: str) -> Check:
    """The link gives the page's message (as a priors file with the numbers would)."""
    def check(tmp: Path) -> None:
        from foomcalc.app.state import initial_state, state_priors  # Shiny-free helpers

        state, error = initial_state(query)
        if error is None:
            with pytest.raises(InputError) as exc:
                state_priors(state)
            error = str(exc.value)
        assert says in error, error
    return check


def status(server: AppServer, headers: dict, method: str = "GET", path: str = "/") -> int:
    import http.client  # only the app cases make requests

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=b"" if method == "POST" else None,
                     headers={"Host": f"127.0.0.1:{server.port}", **headers})
        return conn.getresponse().status
    finally:
        conn.close()


def websocket(server: AppServer, origin: str) -> str:
    import socket  # only the app cases open sockets

    request = (f"GET /websocket/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
               "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {origin}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(request.encode())
        return sock.recv(1024).decode(errors="replace").split("\r\n")[0]


def app_cases(server: AppServer) -> dict[str, Check]:
    evil = "http://evil.example"
    big = str((MAX_MB.value() + 1) * 2**20)
    return {
        "WebSocket with Origin evil.example (accepted, 101)": lambda tmp: (
            None if websocket(server, evil).startswith("HTTP/1.1 403") else pytest.fail(
                "handshake not refused")),
        "any Host header (200)": lambda tmp: (
            None if status(server, {"Host": "evil.example"}) == 403 else pytest.fail("200")),
        "page with Origin evil.example": lambda tmp: (
            None if status(server, {"Origin": evil}) == 403 else pytest.fail("not refused")),
        "POST with Origin evil.example": lambda tmp: (
            None if status(server, {"Origin": evil}, "POST") == 403 else pytest.fail("no")),
        "upload above the size limit": lambda tmp: (
            None if status(server, {"Origin": f"http://127.0.0.1:{server.port}",
                                    "Content-Length": big}, "POST",
                           "/session/a/upload/b") == 413 else pytest.fail("not 413")),
        "?speedup=1e308 (blank answer)": link_message("speedup=1e308", "speedup"),
        "?limit_ooms=1e308 (blank answer)": link_message("limit_ooms=1e308", "limit_ooms"),
        "?retrain_months=1e-300 (blank answer)": link_message("retrain_months=1e-300",
                                                              "retrain_months"),
        "?substitution_elasticity=0": link_message("substitution_elasticity=0",
                                                   "bound the model"),
        "?preset=../../etc/passwd": link_message("preset=../../etc/passwd", "unknown preset"),
        "?days=-1": link_message("days=-1", "days"),
        "?speedup=a,b": link_message("speedup=a,b", "speedup"),
    }


def test_table_app(tmp_path):
    server = AppServer(tmp_path / "work", draws=100)
    try:
        record_and_assert("app", app_cases(server), tmp_path)
    finally:
        server.stop()
