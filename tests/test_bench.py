"""`make bench` still runs: the same command at tiny sizes (--quick), as a subprocess, in its
own throw-away database."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_quick(command, tmp_path, *options):
    """`manage.py <command> --quick` as a subprocess, on SQLite pointed at a file that must
    stay unopened, or on the suite's PostgreSQL server: (its output, that file)."""
    env = dict(os.environ)
    configured = tmp_path / "developer.sqlite3"
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        env["DATABASE_URL"] = f"sqlite:///{configured}"
    result = subprocess.run(
        # A name of its own: several runs of the suite may share one PostgreSQL server.
        [sys.executable, "manage.py", command, "--quick",
         "--database-name", f"newsroom_{command}_smoke_{os.getpid()}", *options],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout, configured


def test_bench_runs_at_tiny_sizes_without_touching_the_configured_database(tmp_path):
    out, configured = run_quick("bench", tmp_path)
    assert "Article page, anonymous" in out
    assert "queries <= 10 ok" in out
    assert "Posting a reply (comments.actions.post_comment) into a 50-comment thread" in out
    assert "Notifications' cost to posting a reply" in out and "target <= 1 ms or <= 10% of a post" in out
    assert "check_comment_trees on the bench data: sound" in out
    assert "304 revalidation (If-None-Match), in process" in out
    if shutil.which("wrk"):
        assert "site through gunicorn (2 workers)" in out
        assert "site through the shipped nginx config" in out
    assert not configured.exists()  # the bench never opened the configured database
    assert "Rendering a comment (newsroom.text.render_comment)" in out
    assert "pathological bodies of up to 10,000 characters" in out
    assert "Scoring a comment (comments.triage.score: spam and abuse)" in out
    assert "with the writer's history:" in out and "MB in memory per worker" in out
    assert "the longest comment (10,000 characters)" in out
    assert "pending queue: all a moderator removes" in out
    assert "Posting through HTTP: 16 concurrent posters, gunicorn with 2 workers" in out
    assert "answers: 48 x 302; stored: 48 (nothing acknowledged lost)" in out
    assert "in the gunicorn workers" in out and "load average" in out  # what a post costs


def test_desk_bench_runs_at_tiny_sizes(tmp_path):
    out, configured = run_quick("bench_desk", tmp_path)
    for page in ("Pending queue", "Flagged queue", "Search: IP address", "Search: @name",
                 "Tree: big story, last page", "Tree: its biggest thread, page 2"):
        assert f"\n{page} " in out, page
    assert "pending of the big story: 60 approved" in out
    assert "check_comment_trees after the decisions: sound" in out
    assert not configured.exists()


def test_the_desk_bench_can_keep_its_database_and_time_it_again(tmp_path):
    out, configured = run_quick("bench_desk", tmp_path, "--keep")
    assert "generated 1,500 comments" in out and "Bulk decisions left out" in out
    again, _ = run_quick("bench_desk", tmp_path, "--keep")
    assert "timing the desk kept from an earlier run" in again and "generated" not in again
    assert "\nTree: its biggest thread, page 2 " in again and "check_comment_trees: sound" in again
    assert "CPU ms: python" in again
    # A run without --keep starts afresh and drops the database afterwards.
    fresh, _ = run_quick("bench_desk", tmp_path)
    assert "generated 1,500 comments" in fresh and "check_comment_trees after the decisions: sound" in fresh
    assert not configured.exists()
