"""Krisenradar: the Chalice app. Registers middleware and blueprints, and nothing else."""

from chalice.app import Chalice, ConvertToMiddleware

from chalicelib.api import (
    admin,
    crm,
    drafts,
    drills,
    escalation,
    incidents,
    meta,
    people,
    playbooks,
    privacy,
    reports,
    reviews,
    sources,
    webhooks,
)
from chalicelib.api.http import secure_headers, uniform_errors
from chalicelib.jobs import schedules
from chalicelib.observability import capture_lambda_handler, logger, metrics

app = Chalice(app_name="krisenradar")
app.api.binary_types.append("application/pdf")  # the review as PDF
app.register_middleware(ConvertToMiddleware(logger.inject_lambda_context(clear_state=True)))
app.register_middleware(ConvertToMiddleware(metrics.log_metrics))
# The Tracer (and the X-Ray SDK) is built on the first invocation, not at import (cold start).
app.register_middleware(ConvertToMiddleware(capture_lambda_handler))
app.register_middleware(uniform_errors, "http")
app.register_middleware(secure_headers, "http")

app.register_blueprint(meta.bp)
app.register_blueprint(incidents.bp)
app.register_blueprint(admin.bp)
app.register_blueprint(playbooks.bp)
app.register_blueprint(people.bp)
app.register_blueprint(escalation.bp)
app.register_blueprint(drafts.bp)
app.register_blueprint(drills.bp)
app.register_blueprint(reviews.bp)
app.register_blueprint(reports.bp)
app.register_blueprint(webhooks.bp)
app.register_blueprint(crm.bp)
app.register_blueprint(privacy.bp)
app.register_blueprint(sources.bp)
app.register_blueprint(schedules.bp)
