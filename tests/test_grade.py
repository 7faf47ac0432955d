"""keras-course grade: shards, the summary, arguments, the sandbox's pieces, and (slow) the same
scores as ``nbgrader autograde`` for chapter 5's solution, its release as is and a partly correct answer."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.grading.grade import GradeResult, Shard, summary_table
from autograder.grading.sandbox import Limits, Mode, Sandbox, hidden_paths, process_tree_rss
from conftest import COURSE


def test_shards_split_students_deterministically_and_completely():
    students = [f"student{i:03d}" for i in range(200)]
    shards = [Shard.parse(f"{i}/3") for i in range(3)]
    held = [[s for s in students if shard.holds(s)] for shard in shards]
    assert sorted(sum(held, [])) == students  # every student exactly once
    assert all(len(h) > 40 for h in held)  # and spread out
    assert held[0] == [s for s in students if Shard(0, 3).holds(s)]  # the same on every call


@pytest.mark.parametrize("text", ["3/3", "-1/2", "1", "a/b", "1/0"])
def test_bad_shards_are_refused(text):
    from autograder.course import CourseError

    with pytest.raises(CourseError, match="shard"):
        Shard.parse(text)


def test_summary_table_has_a_row_per_student_with_reason():
    table = summary_table([GradeResult("alice", 30, 30), GradeResult("bob", 0, 30, "graded", "memory limit")])
    lines = table.splitlines()
    assert lines[0].split() == ["student", "score", "status", "reason"]
    assert "30/30" in lines[1] and lines[1].rstrip().endswith("-")
    assert "0/30" in lines[2] and "memory limit" in lines[2]


def test_summary_table_names_the_chapter_when_several_were_graded():
    table = summary_table([GradeResult("alice", 15, 15, assignment="ch01_setup"),
                           GradeResult("alice", 20, 30, "graded", "late", assignment="ch05_cnn")])
    lines = table.splitlines()
    assert lines[0].split() == ["chapter", "student", "score", "status", "reason"]
    assert lines[1].split()[:3] == ["ch01_setup", "alice", "15/15"]
    assert lines[2].split() == ["ch05_cnn", "alice", "20/30", "graded", "late"]


def test_unknown_assignment_exits_2(capsys):
    assert main(["grade", "ch99_nothing", "--course", str(COURSE)]) == 2
    assert "ch99_nothing" in capsys.readouterr().err


def test_an_unknown_chapter_among_several_exits_2_before_grading(capsys):
    assert main(["grade", "ch01_setup", "ch99_nothing", "--course", str(COURSE)]) == 2
    assert "ch99_nothing" in capsys.readouterr().err


def test_process_tree_rss_counts_this_process():
    assert process_tree_rss(os.getpid()) > 10 * 2**20


def test_hidden_paths_never_hide_python_or_the_work_folder(tmp_path):
    course, source = tmp_path / "course", tmp_path / "source"
    course.mkdir(), source.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    hidden = hidden_paths(course, source, tmp_path / "no-exchange", None, work)
    assert hidden == sorted([course.resolve(), source.resolve()])
    assert hidden_paths(tmp_path, source, None, None, work) == [source.resolve()]  # work is inside


def test_sandbox_command_enters_the_sandbox_first(tmp_path):
    box = Sandbox(0, Limits(), Mode("none"), [tmp_path / "secret"], tmp_path)
    command = box.wrap(["python", "-m", "ipykernel_launcher"])
    assert command[1:3] == ["-m", "autograder.grading.sandbox"]
    assert command[-3:] == ["python", "-m", "ipykernel_launcher"]
    assert ["--hide", str(tmp_path / "secret")] == command[command.index("--hide"):command.index("--hide") + 2]


def test_sandbox_entry_applies_limits_without_namespaces(tmp_path):
    done = subprocess.run([sys.executable, "-m", "autograder.grading.sandbox", "--mode", "none", "--cwd", str(tmp_path),
                           "--nproc", "4000", "--fsize", "1000", "--", sys.executable, "-c",
                           "import os, resource; print(os.getcwd(), resource.getrlimit(resource.RLIMIT_FSIZE)[0])"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == [str(tmp_path), "1000"], done.stderr


def test_grading_job_maps_its_completion_index_to_the_shard_and_reads_the_db_url_from_a_secret():
    import yaml

    manifest = Path(__file__).resolve().parent.parent / "hub_config" / "k8s" / "grading-job.yaml"
    job = next(d for d in yaml.safe_load_all(manifest.read_text()) if d and d["kind"] == "Job")
    assert job["spec"]["completionMode"] == "Indexed"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert container["args"][:2] == ["grade", "$(CHAPTER)"]
    assert container["args"][2:] == ["--shard", "$(SHARD_INDEX)/$(SHARDS)"]
    assert "job-completion-index" in env["SHARD_INDEX"]["valueFrom"]["fieldRef"]["fieldPath"]
    assert int(env["SHARDS"]["value"]) == job["spec"]["completions"]
    assert env["KERAS_COURSE_DB_URL"]["valueFrom"]["secretKeyRef"]["name"] == "keras-course-gradebook"
    from autograder.cli import build_parser

    args = build_parser().parse_args(["grade", "ch05_cnn", "--shard", "3/4", "--db-url", "postgresql://x"])
    assert Shard.parse(args.shard) == Shard(3, 4) and args.db_url == "postgresql://x"


def test_two_runs_on_one_machine_never_share_a_slot(tmp_path):
    from autograder.grading.grade import claim_slots

    first, second = claim_slots(2, tmp_path), claim_slots(2, tmp_path)
    assert [h.slot for h in first] == [0, 1] and [h.slot for h in second] == [2, 3]
    for handle in first:
        handle.close()
    assert [h.slot for h in claim_slots(1, tmp_path)] == [0]  # freed when a run ends


def test_timing_line_says_where_the_workers_time_went():
    from autograder.grading.grade import timing_line

    line = timing_line({"seconds": 100.0, "judge_seconds": 20.0, "probes": 50, "probe_seconds": 15.0})
    assert "100.0 s executing notebooks, 20.0 s of it judging test cells (20% of it)" in line
    assert "50 probes, 15.0 s waiting on kernels, 5.0 s in the judge" in line
    assert timing_line({"seconds": 0.0, "judge_seconds": 0.0, "probes": 0, "probe_seconds": 0.0})
