"""Where the URL and the token come from: the command line, then the environment, then the TOML file."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from competition_client.config import resolve_settings
from competition_client.errors import UsageError

URL = "https://competitions.example.org"


def write_config(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def settings(environ, url=None, config=None, warnings=None):
    return resolve_settings(url_option=url, config_option=config, environ=environ, warnings=warnings or io.StringIO())


def test_the_default_file_gives_url_and_token(tmp_path):
    write_config(tmp_path / ".config/competition-client/config.toml", f'url = "{URL}/"\ntoken = "abc"\n')
    found = settings({"HOME": str(tmp_path)})
    assert (found.url, found.token, found.api) == (URL, "abc", f"{URL}/api/v1")


def test_xdg_config_home_moves_the_default_file(tmp_path):
    write_config(tmp_path / "xdg/competition-client/config.toml", f'url = "{URL}"\n')
    assert settings({"HOME": str(tmp_path / "elsewhere"), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}).url == URL


def test_the_option_beats_the_environment_which_beats_the_file(tmp_path):
    config = write_config(tmp_path / "c.toml", 'url = "https://file.example"\ntoken = "from-file"\n')
    env = {"HOME": str(tmp_path), "COMPETITION_CLIENT_CONFIG": str(config)}
    assert settings(env).url == "https://file.example"
    env |= {"COMPETITION_URL": "https://env.example", "COMPETITION_TOKEN": "from-env"}
    assert (settings(env).url, settings(env).token) == ("https://env.example", "from-env")
    assert settings(env, url="http://127.0.0.1:8000").url == "http://127.0.0.1:8000"


def test_no_url_anywhere_says_where_to_put_one(tmp_path):
    with pytest.raises(UsageError, match="no service URL: pass --url, set COMPETITION_URL, or put url"):
        settings({"HOME": str(tmp_path)})


@pytest.mark.parametrize("url", ["ftp://x.example", "competitions.example.org", "https://", "https://x.example/?a=1"])
def test_a_url_that_is_not_http_is_refused_naming_its_source(tmp_path, url):
    with pytest.raises(UsageError, match="from --url must"):
        settings({"HOME": str(tmp_path)}, url=url)


def test_an_explicit_file_must_exist(tmp_path):
    with pytest.raises(UsageError, match="does not exist"):
        settings({"HOME": str(tmp_path)}, config=str(tmp_path / "missing.toml"))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('url = "x', "cannot read the configuration file"),
        (f'url = "{URL}"\nusername = "me"\n', "unknown key"),
        ("token = 42\n", "token must be a non-empty string"),
        ('token = ""\n', "token must be a non-empty string"),
    ],
)
def test_a_broken_file_is_refused_naming_the_problem(tmp_path, text, problem):
    config = write_config(tmp_path / "c.toml", text)
    with pytest.raises(UsageError, match=problem):
        settings({"HOME": str(tmp_path)}, url=URL, config=str(config))


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_token_others_may_read_is_warned_about(tmp_path):
    config = write_config(tmp_path / "c.toml", 'token = "abc"\n', mode=0o644)
    warnings = io.StringIO()
    settings({"HOME": str(tmp_path)}, url=URL, config=str(config), warnings=warnings)
    assert warnings.getvalue() == f"warning: {config} holds a token and others may read it (chmod 600 {config})\n"
    config.chmod(0o600)
    quiet = io.StringIO()
    settings({"HOME": str(tmp_path)}, url=URL, config=str(config), warnings=quiet)
    assert quiet.getvalue() == ""
