"""Fixtures: a small digits project (fresh copy per test) and one with a trained, active model."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ml.digits import build_digits_project, build_trained, copy_project, shared_base


@pytest.fixture(scope="session")
def digits_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_base(tmp_path_factory, "digits", lambda p: build_digits_project(p).close())


@pytest.fixture(scope="session")
def trained_base(tmp_path_factory: pytest.TempPathFactory, digits_base: Path) -> Path:
    return shared_base(tmp_path_factory, "trained", lambda p: build_trained(p, digits_base))


@pytest.fixture
def digits(tmp_path: Path, digits_base: Path):
    project = copy_project(digits_base, tmp_path / "digits")
    yield project
    project.close()


@pytest.fixture
def trained(tmp_path: Path, trained_base: Path):
    project = copy_project(trained_base, tmp_path / "trained")
    yield project
    project.close()
