"""The kordon command line as a Spark application, for spark-submit (see docs/scale.md):

    spark-submit --master yarn --archives kordon-env.tar.gz#env --conf spark.pyspark.python=./env/bin/python \\
        "$(python -c 'import kordon.engines.submit as m; print(m.__file__)')" parties screen s3a://bucket/customers/

Under spark-submit the master, executors and their resources are spark-submit's; the bulk commands run on
the Spark engine unless `--engine local` says otherwise.
"""

from __future__ import annotations

import os


def main() -> None:
    os.environ.setdefault("KORDON_ENGINE", "spark")
    from kordon.interfaces.cli import main as cli

    cli()


if __name__ == "__main__":
    main()
