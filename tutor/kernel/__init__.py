"""The sandbox: a worker process that owns the learner's namespace, and the handle to it."""
