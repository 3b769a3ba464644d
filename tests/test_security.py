"""Patient data stays with the people who should see it: headers, refusals, no 500s."""
from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings, strategies as st

from checklist import create_app
from support import Actions


def headers_of(client, path):
    with client.get(path) as response:
        return response.headers


def test_every_response_carries_a_strict_content_security_policy(client, actions):
    for path in ("/", actions.new_draft(), "/static/app.css"):
        policy = headers_of(client, path)["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_responses_forbid_sniffing_and_referrers_to_other_sites(client):
    headers = client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_a_form_posted_over_https_from_a_page_of_the_app_is_accepted(app):
    """Over HTTPS, CSRF protection also wants the Referer of a page of the app: the referrer policy
    must let a browser send it to the app itself (with "no-referrer" every POST failed with 400)."""
    secure = app.test_client()
    page = secure.get("/", base_url="https://localhost").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = secure.post("/drafts", data={"csrf_token": token}, base_url="https://localhost",
                           headers={"Referer": "https://localhost/"})
    assert response.status_code == 303


def test_responses_with_patient_data_are_never_stored_by_a_cache(client, actions):
    draft = actions.new_draft()
    for path in ("/", draft, f"{draft}/evaluation.json"):
        assert client.get(path).headers["Cache-Control"] == "no-store"
    assert actions.answer(draft, ecog="1").headers["Cache-Control"] == "no-store"


def test_static_assets_may_be_cached(client):
    assert headers_of(client, "/static/app.css").get("Cache-Control") != "no-store"


def test_the_pages_hold_no_inline_script_or_style(client, actions):
    page = client.get(actions.new_draft()).text
    assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>", page)
    assert "<style" not in page and " style=" not in page


def test_a_request_over_the_size_limit_is_refused_with_a_message(client, actions):
    draft = actions.new_draft()
    response = actions.answer(draft, notes="x" * 300_000)
    assert response.status_code == 413
    assert "too large" in response.text
    assert actions.saved(draft) == {}


def test_draft_ids_are_checked_before_they_reach_the_file_system(client, actions):
    for bad in ("..%2F..%2Fetc%2Fpasswd", "%2e%2e", "A" * 32, "0" * 31, "0" * 33 + ""):
        assert client.get(f"/drafts/{bad}").status_code == 404
        assert client.post(f"/drafts/{bad}/answers", data={"ecog": "1"},
                           headers={"X-CSRFToken": actions.token}).status_code == 404


def test_a_choice_outside_the_rules_is_refused(client, actions):
    draft = actions.new_draft()
    response = actions.answer(draft, hcc_variant="<script>")
    assert response.status_code == 422
    assert "&lt;script&gt;" in response.text
    assert actions.saved(draft) == {}


FACT_NAMES = st.sampled_from(["platelets", "platelets_unit", "ecog", "hcc_diagnosis", "date_of_birth",
                              "age_years", "child_pugh_score", "clear", "patient_name", "weight_unit",
                              "macrovascular_invasion", "assessment_date", "no_such_fact", "csrf_token"])
VALUES = st.one_of(st.text(max_size=40), st.sampled_from(
    ["", "nan", "inf", "-1", "1e999", "0x10", "2026-02-30", "true", "false", "1,5", "60,000", "99999999999999",
     "10^9/L", "umol/L", "../../etc/passwd", "{{7*7}}", "<img src=x>", "\x00"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.dictionaries(FACT_NAMES, VALUES, max_size=6))
def test_arbitrary_answers_never_give_a_500_and_a_refusal_changes_nothing(app, fields):
    client = app.test_client()
    actions = Actions(client)
    draft = actions.new_draft()
    actions.answer(draft, ecog="1", platelets="110000")
    before = actions.saved(draft)
    response = actions.answer(draft, **fields)
    assert response.status_code in (200, 400, 422)  # 400: a forged csrf_token field
    if response.status_code != 200:
        assert actions.saved(draft) == before


def test_every_state_changing_route_refuses_a_post_without_the_csrf_token(app, client, actions):
    draft_id = actions.new_draft().rsplit("/", 1)[1]
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint != "api.evaluate_answers"]
    assert posts, "no POST routes found"
    for rule in posts:
        path = rule.build({name: draft_id for name in rule.arguments}, append_unknown=False)[1]
        assert client.post(path, data={"ecog": "1"}).status_code == 400, rule.rule
    assert actions.saved(f"/drafts/{draft_id}") == {}


PASSCODE = "tablet-passcode-4417"


def test_signing_out_tells_the_browser_to_clear_what_it_keeps(actions):
    response = actions.client.post("/sign-out", data={"csrf_token": actions.token})
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_the_sign_in_page_can_clear_the_device(tmp_path):
    app = create_app({"DATA_DIR": str(tmp_path / "data"), "SECRET_KEY": "test", "PASSCODE": PASSCODE})
    assert b"data-clear-device" in app.test_client().get("/sign-in").data
