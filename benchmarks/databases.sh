# Sourced by benchmarks/run.sh and benchmarks/profile.sh: the databases the benchmarks use, from the test
# variables that .ci/run sets, defaulting to the local servers.
export CONSENTKIT_TEST_POSTGRES_URL="${CONSENTKIT_TEST_POSTGRES_URL:-jdbc:postgresql://127.0.0.1:5432/test?reWriteBatchedInserts=true}"
export CONSENTKIT_TEST_POSTGRES_USER="${CONSENTKIT_TEST_POSTGRES_USER:-postgres}"
export CONSENTKIT_TEST_POSTGRES_PASSWORD="${CONSENTKIT_TEST_POSTGRES_PASSWORD:-}"
export CONSENTKIT_TEST_MARIADB_URL="${CONSENTKIT_TEST_MARIADB_URL:-jdbc:mariadb://127.0.0.1:3306/test}"
export CONSENTKIT_TEST_MARIADB_USER="${CONSENTKIT_TEST_MARIADB_USER:-root}"
export CONSENTKIT_TEST_MARIADB_PASSWORD="${CONSENTKIT_TEST_MARIADB_PASSWORD:-}"
