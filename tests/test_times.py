"""Times are stored in UTC and shown in the site's local time zone, which the page names."""
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from checklist import create_app
from support import Actions


@pytest.fixture
def paris(tmp_path):
    """A site configured for Paris time."""
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "TIME_ZONE": "Europe/Paris"})
    client = app.test_client()
    return client, Actions(client)


def stored_update(page: str) -> dt.datetime:
    """The UTC moment a page's first <time> element stands for (its machine-readable attribute)."""
    stamp = re.search(r'<time datetime="([^"]+)"', page).group(1)
    moment = dt.datetime.fromisoformat(stamp)
    assert moment.utcoffset() == dt.timedelta(0), "times are stored and exchanged in UTC"
    return moment


def paris_minute(moment: dt.datetime) -> str:
    local = moment.astimezone(ZoneInfo("Europe/Paris"))
    return f"{local:%Y-%m-%d %H:%M} {local:%Z}"


def test_the_start_page_shows_a_drafts_last_change_in_local_time_and_names_the_zone(paris):
    client, actions = paris
    draft = actions.new_draft()
    actions.answer(draft, patient_name="Ada")
    page = client.get("/").text
    assert paris_minute(stored_update(page)) in page


def test_the_history_shows_local_times_and_names_the_zone(paris):
    client, actions = paris
    draft = actions.new_draft()
    actions.answer(draft, patient_name="Ada")
    page = client.get(draft).text
    history = re.search(r'<div id="history">.*?</div>', page, re.S).group(0)
    assert re.search(r"When \((CET|CEST)\)", history)
    assert paris_minute(stored_update(history)).rsplit(" ", 1)[0] in history


def test_without_a_configured_zone_times_are_shown_in_the_servers_zone(client, actions):
    draft = actions.new_draft()
    actions.answer(draft, patient_name="Ada")
    page = client.get("/").text
    local = stored_update(page).astimezone()
    assert f"{local:%Y-%m-%d %H:%M} {local:%Z}" in page
