-- Where an environment's releases run: 'worker' (the worker pool claims
-- them, the default) or 'job' (shiplog's Kubernetes controller, started
-- with --runner=job, claims them and runs each as a Kubernetes Job in the
-- environment's namespace). Workers never claim a 'job' environment's
-- releases, so each release has exactly one kind of runner.
ALTER TABLE environments ADD COLUMN runner text NOT NULL DEFAULT 'worker'
    CHECK (runner IN ('worker', 'job'));
