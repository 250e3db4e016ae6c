"""`import moesim` against the `moesim` command: the same library, so the same numbers.

Run by CTest (test `python`) with PYTHONPATH at the built module and MOESIM_CLI at the
command. Equality is exact: both sides are the library's doubles, the CLI's written
shortest-round-trip and read back by json/float().
"""
import csv
import io
import json
import math
import os
import pathlib
import subprocess

import numpy as np
import pytest

import moesim

CLI = os.environ["MOESIM_CLI"]
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"


def cli(*args):
    done = subprocess.run([CLI, *args], capture_output=True, text=True, check=True)
    return done.stdout


# Eleven configurations: presets and a Hugging Face file, each phase, formats, parallelism,
# offloading, skew and a routing histogram.
CONFIGS = [
    ({}, []),
    ({"hw": "h100-sxm", "tp": 2}, ["--hw", "h100-sxm", "--tp", "2"]),
    ({"model": "deepseek-v3", "phase": "train", "tokens": 1e12}, ["--model", "deepseek-v3", "--phase", "train", "--tokens", "1e12"]),
    ({"model": "qwen3-30b-a3b", "hw": "h200", "batch": 64, "context": 8192},
     ["--model", "qwen3-30b-a3b", "--hw", "h200", "--batch", "64", "--context", "8192"]),
    ({"model": "gpt-oss-20b", "hw": "jetson-agx-orin-64gb", "offload": "host", "expert_cache": 8},
     ["--model", "gpt-oss-20b", "--hw", "jetson-agx-orin-64gb", "--offload", "host", "--expert-cache", "8"]),
    ({"model": "olmoe-1b-7b", "phase": "prefill", "weight_format": "fp8", "kv_format": "fp8"},
     ["--model", "olmoe-1b-7b", "--phase", "prefill", "--weight-format", "fp8", "--kv-format", "fp8"]),
    ({"model": "dbrx", "hw": "mi300x", "ep": 4, "tp": 4, "routing_skew": 1.2},
     ["--model", "dbrx", "--hw", "mi300x", "--ep", "4", "--tp", "4", "--routing-skew", "1.2"]),
    ({"hw": "h200", "batch": 8, "routing_histogram": [4, 2, 1, 1, 1, 1, 1, 1]},
     ["--hw", "h200", "--batch", "8", "--routing-histogram", "4,2,1,1,1,1,1,1"]),
    ({"model": "llama-4-scout", "hw": "h100-sxm", "phase": "train", "pp": 4, "microbatches": 8, "recompute": "full", "batch": 32},
     ["--model", "llama-4-scout", "--hw", "h100-sxm", "--phase", "train", "--pp", "4", "--microbatches", "8", "--recompute", "full",
      "--batch", "32"]),
    ({"model": "llama-4-scout", "hw": "h100-sxm", "phase": "train", "pp": 4, "microbatches": 8, "virtual_stages": 3, "batch": 32},
     ["--model", "llama-4-scout", "--hw", "h100-sxm", "--phase", "train", "--pp", "4", "--microbatches", "8", "--virtual-stages", "3",
      "--batch", "32"]),
    ({"model": "llama-4-scout", "hw": "h100-sxm", "phase": "train", "pp": 4, "microbatches": 8, "pp_schedule": "gpipe", "batch": 32},
     ["--model", "llama-4-scout", "--hw", "h100-sxm", "--phase", "train", "--pp", "4", "--microbatches", "8", "--pp-schedule", "gpipe",
      "--batch", "32"]),
    ({"model": "deepseek-v3", "hw": "h200", "ep": 8, "dp": 8, "batch": 8, "routing_skew": 1.0, "expert_reads": "mean"},
     ["--model", "deepseek-v3", "--hw", "h200", "--ep", "8", "--dp", "8", "--batch", "8", "--routing-skew", "1.0", "--expert-reads", "mean"]),
    ({"model": "deepseek-v3", "hw": "h200", "ep": 8, "dp": 8, "batch": 64, "routing_skew": 1.0, "expert_placement": "balanced"},
     ["--model", "deepseek-v3", "--hw", "h200", "--ep", "8", "--dp", "8", "--batch", "64", "--routing-skew", "1.0", "--expert-placement",
      "balanced"]),
    ({"model": "qwen3-30b-a3b", "hw": "h100-sxm", "phase": "train", "dp": 8, "batch": 16, "zero": 1,
      "overlap_grad_reduce": True, "overlap_param_gather": True},
     ["--model", "qwen3-30b-a3b", "--hw", "h100-sxm", "--phase", "train", "--dp", "8", "--batch", "16", "--zero", "1",
      "--overlap-grad-reduce", "--overlap-param-gather"]),
    ({"model": "deepseek-v3", "hw": "h200", "ep": 8, "dp": 8, "batch": 64, "phase": "prefill", "context": 1024, "two_batch_overlap": True},
     ["--model", "deepseek-v3", "--hw", "h200", "--ep", "8", "--dp", "8", "--batch", "64", "--phase", "prefill", "--context", "1024",
      "--two-batch-overlap"]),
    ({"model": "mixtral-8x7b", "hw": "h100-sxm", "tp": 2, "dp": 4, "batch": 6},
     ["--model", "mixtral-8x7b", "--hw", "h100-sxm", "--tp", "2", "--dp", "4", "--batch", "6"]),
    ({"model": "deepseek-v3", "hw": "h200", "ep": 16, "dp": 16, "batch": 64, "routing_locality": 0.9, "max_violation": 0.04},
     ["--model", "deepseek-v3", "--hw", "h200", "--ep", "16", "--dp", "16", "--batch", "64", "--routing-locality", "0.9",
      "--max-violation", "0.04"]),
    ({"model": str(FIXTURES / "good_tiny_moe.json"), "hw": "l4", "expert_format": "int4-g128"},
     ["--model", str(FIXTURES / "good_tiny_moe.json"), "--hw", "l4", "--expert-format", "int4-g128"]),
]


@pytest.mark.parametrize("kwargs,args", CONFIGS)
def test_estimate_equals_the_cli_json(kwargs, args):
    assert moesim.estimate(**kwargs) == json.loads(cli("estimate", "--format", "json", *args))


def test_sweep_columns_equal_the_cli_csv():
    axes = {"experts": [8, 16], "weight_format": "bf16,fp8", "batch": "1..64*8"}
    got = moesim.sweep("mixtral-8x7b", ["h100-sxm", "h200"], axes)
    rows = list(csv.DictReader(io.StringIO(cli("sweep", "--no-progress", "--set", "experts=8,16", "--set", "weight_format=bf16,fp8",
                                                "--set", "batch=1..64*8", "--hw", "h100-sxm,h200"))))
    assert len(rows) == 2 * 2 * 3 * 2
    assert list(got) == list(rows[0])  # the same keys in the same order
    for key, column in got.items():
        want = [r[key] for r in rows]
        if isinstance(column, np.ndarray):
            assert column.dtype == np.float64
            assert len(column) == len(want)
            for g, w in zip(column, want):
                assert (math.isnan(g) and w == "") or g == float(w), key
        else:
            assert column == want, key


def test_models_devices_laws_are_the_cli_lists():
    assert "mixtral-8x7b" in moesim.models() and "h100-sxm" in moesim.devices()
    assert all(name in cli("models") for name in moesim.models())
    assert "abnar2025" in moesim.laws() and "chinchilla" in moesim.laws()


def test_a_model_from_a_dict_is_the_same_model():
    model = moesim.load_model("qwen3-30b-a3b")
    again = moesim.load_model(model.to_dict())
    assert moesim.estimate(again, "h200") == moesim.estimate(model, "h200")
    device = moesim.hardware("h200")
    assert moesim.estimate(model, moesim.hardware(device.to_dict())) == moesim.estimate(model, device)


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIXTURES.glob("bad_*.json")))
def test_each_bad_model_fixture_raises_bad_input_naming_its_field(fixture):
    with pytest.raises(moesim.BadInput) as caught:
        moesim.load_model(str(FIXTURES / fixture))
    e = caught.value
    assert isinstance(e, ValueError)
    assert e.diagnostics and e.path == e.diagnostics[0]["path"]
    assert fixture in e.path  # the file, and after it the field's JSON path
    assert e.code and e.message and f"[{e.code}]" in str(e)


@pytest.mark.parametrize("kwargs,field", [
    ({"tp": 0}, "tp"),
    ({"phase": "serve"}, "phase"),
    ({"weight_format": "nonsense"}, "weight_format"),
    ({"routing_skew": 50.0}, "routing_skew"),
    ({"tokens": 1e9}, "tokens"),
    ({"phase": "train", "overlap_param_gather": True}, "overlap_param_gather"),
    ({"hw": "h100-sxm", "pp_schedule": "zb"}, "pp_schedule"),
    ({"batch": "eight"}, "batch"),
    ({"bogus": 1}, "bogus"),
    ({"hw": "no-such-device"}, "no-such-device"),
])
def test_bad_arguments_raise_bad_input_naming_the_argument(kwargs, field):
    with pytest.raises(moesim.BadInput) as caught:
        moesim.estimate(**kwargs)
    assert field in caught.value.path or field in str(caught.value)


def test_a_bad_sweep_axis_raises_bad_input():
    with pytest.raises(moesim.BadInput) as caught:
        moesim.sweep(axes={"expert": [8]})
    assert "\"expert\" is not a sweep field" in str(caught.value)
    with pytest.raises(moesim.BadInput):
        moesim.sweep(axes={"model": ["mixtral-8x7b", "no-such-model"]})


@pytest.mark.parametrize("fixture", sorted(p.name for p in (FIXTURES / "hw").glob("bad_*.json")))
def test_each_bad_hardware_fixture_raises_bad_input_naming_its_field(fixture):
    with pytest.raises(moesim.BadInput) as caught:
        moesim.hardware(str(FIXTURES / "hw" / fixture))
    assert fixture in caught.value.path and f"[{caught.value.code}]" in str(caught.value)


@pytest.mark.parametrize("fixture", ["fit_bad_unidentified.json", "fit_negative_coefficient.json"])
def test_each_bad_fit_file_raises_bad_input_naming_its_field(fixture):
    with pytest.raises(moesim.BadInput) as caught:
        moesim.frontier(str(FIXTURES / fixture))
    assert caught.value.path.startswith(str(FIXTURES / fixture) + ":/")


# The frontier: keywords as the CLI's options, the same JSON.
FRONTIERS = [
    ({"budgets": [1e20, 1e22]}, ["--budgets", "1e20,1e22"]),
    ({"hw": "h100-sxm", "devices": 8, "max_decode_latency": 0.03, "inference_tokens": 1e12, "budgets": "1e21,1e23"},
     ["--hw", "h100-sxm", "--devices", "8", "--max-decode-latency", "30 ms", "--inference-tokens", "1e12", "--budgets", "1e21,1e23"]),
    ({"law": "ludziejewski2025", "experts": [1, 2, 4, 8, 16, 32], "max_memory": "2 GB", "budgets": [1e20, 1e22]},
     ["--law", "ludziejewski2025", "--experts", "1,2,4,8,16,32", "--max-memory", "2 GB", "--budgets", "1e20,1e22"]),
    ({"law": "krajewski2024", "budgets": "1e20:1e24:3"}, ["--law", "krajewski2024", "--budgets", "1e20:1e24:3"]),
    ({"law": "chinchilla", "max_params": 1e11, "fixed_size": 1e10, "budgets": [1e21, 1e23]},
     ["--law", "chinchilla", "--max-params", "1e11", "--fixed-size", "1e10", "--budgets", "1e21,1e23"]),
    ({"hw": "h200", "budget_unit": "device-hours", "budgets": [1e4, 1e6], "alternatives": 2, "weight_format": ["bf16", "fp8"]},
     ["--hw", "h200", "--budget-unit", "device-hours", "--budgets", "1e4,1e6", "--alternatives", "2", "--weight-format", "bf16,fp8"]),
]


@pytest.mark.parametrize("kwargs,args", FRONTIERS)
def test_frontier_equals_the_cli_json(kwargs, args):
    assert moesim.frontier(**kwargs) == json.loads(cli("frontier", "--format", "json", *args))


def test_a_frontier_over_a_bytes_limit_reads_numbers_as_bytes_and_seconds():
    assert moesim.frontier(max_memory=2e9, budgets=[1e21]) == moesim.frontier(max_memory="2 GB", budgets=[1e21])


@pytest.mark.parametrize("kwargs,field", [
    ({"top_k": [0]}, "top_k"),
    ({"max_sparsity": 1.5}, "max_sparsity"),
    ({"family": "bogus"}, "family"),
    ({"max_memory": "80 parsecs"}, "max_memory"),
    ({"max_decode_latency": "1 us", "hw": "h100-sxm"}, "max_decode_latency"),
    ({"budgets": "1e24:1e19:3"}, "budgets"),
    ({"law": "clark2022"}, "law"),
    ({"law": "chinchilla", "top_k": [2]}, "top_k"),
    ({"devices": 8}, "hw"),
    ({"budgetz": 1}, "budgetz"),
])
def test_bad_frontier_arguments_raise_bad_input_naming_the_argument(kwargs, field):
    with pytest.raises(moesim.BadInput) as caught:
        moesim.frontier(**kwargs)
    assert caught.value.path == field, str(caught.value)


DATA = FIXTURES / "data" / "good_runs.csv"


def test_fit_is_the_cli_fit_file_and_drives_the_frontier(tmp_path):
    out = tmp_path / "fit.json"
    cli("fit", "--law", "chinchilla", "--data", str(DATA), "--columns", "N=N,D=D,loss=loss", "--max-starts", "50", "--out", str(out))
    want = json.loads(out.read_text())
    got = moesim.fit("chinchilla", str(DATA), columns={"N": "N", "D": "D", "loss": "loss"}, max_starts=50)
    timing = {"fit_time_s", "bootstrap_time_s"}
    assert {k: v for k, v in got.items() if k not in timing} == {k: v for k, v in want.items() if k not in timing}
    from_dict = moesim.frontier(got, budgets=[1e21])
    from_file = moesim.frontier(str(out), budgets=[1e21])
    assert from_dict["rows"] == from_file["rows"]
    assert from_dict["coefficients"] == f"moesim.fit({DATA})"


@pytest.mark.parametrize("kwargs,field", [
    ({"law": "nope"}, "law"),
    ({"holdout": "x"}, "holdout"),
    ({"fix": {"zz": 1.0}}, "fix"),
    ({"threads": 0}, "threads"),
    ({"dataset": "mine"}, "dataset"),
    ({"columns": {"Q": "N"}}, "columns"),
    ({"data": str(FIXTURES / "data" / "bad_not_a_number.csv")}, "bad_not_a_number.csv"),
])
def test_bad_fit_arguments_raise_bad_input_naming_the_argument(kwargs, field):
    args = {"law": "chinchilla", "data": str(DATA), "columns": {"N": "N", "D": "D", "loss": "loss"}, **kwargs}
    with pytest.raises(moesim.BadInput) as caught:
        moesim.fit(**args)
    assert field in caught.value.path, str(caught.value)


def test_deployment_options_without_a_device_are_refused_as_by_the_cli():
    with pytest.raises(moesim.BadInput) as caught:
        moesim.estimate(tp=2)
    assert caught.value.path == "tp" and "hardware profile" in caught.value.message


def test_a_missing_device_property_is_an_error_never_free():
    with pytest.raises(moesim.BadInput) as caught:
        moesim.estimate("gpt-oss-20b", "h100-sxm", offload="storage", expert_cache=4)
    assert caught.value.path == "offload" and "no storage read rates" in caught.value.message


def test_a_law_with_unidentified_parameters_warns_naming_them():
    with pytest.warns(UserWarning, match="could not determine"):
        moesim.frontier(str(FIXTURES / "fit_unidentified.json"), budgets=[1e21])


def test_null_experts_as_the_cli_counts_them(tmp_path):
    spec = moesim.load_model("mixtral-8x7b").to_dict()
    spec["moe"]["null_experts"] = 4  # AdaMoE on Mixtral
    path = tmp_path / "adamoe.json"
    path.write_text(json.dumps(spec))
    got = moesim.estimate(str(path), "h200", null_fraction=0.145)
    assert got == json.loads(cli("estimate", "--model", str(path), "--hw", "h200", "--null-fraction", "0.145", "--format", "json"))
    plain = moesim.estimate(str(path), "h200")
    assert got["params"] == plain["params"]
    assert got["flops"]["forward_per_token_by_component"]["routed_experts"] == pytest.approx(
        0.855 * plain["flops"]["forward_per_token_by_component"]["routed_experts"])
    with pytest.raises(moesim.BadInput) as caught:
        moesim.estimate(null_fraction=0.145)  # Mixtral itself has no null experts
    assert caught.value.path == "null_fraction"
