# Private stores for the S3, DynamoDB and Redis connector tests, as ctest fixtures (like the
# clickhouse fixture): FIXTURES_REQUIRED s3 / dynamodb / redis, and the env file of the
# store in SLUICE_S3_ENV / SLUICE_DYNAMODB_ENV / SLUICE_REDIS_ENV. ctest starts each store
# before the first test needing it and destroys it after the last. The npm packages of the
# S3 and DynamoDB stores are installed (pinned, scripts/install-npm.sh) by their start.
set(SLUICE_S3_DIR ${CMAKE_BINARY_DIR}/tests/s3-store CACHE INTERNAL "")
set(SLUICE_DYNAMODB_DIR ${CMAKE_BINARY_DIR}/tests/dynamodb-store CACHE INTERNAL "")
set(SLUICE_REDIS_DIR ${CMAKE_BINARY_DIR}/tests/redis-server CACHE INTERNAL "")
set(SLUICE_LAKE_STORE_ENV
  "SLUICE_S3_ENV=${SLUICE_S3_DIR}/env;SLUICE_DYNAMODB_ENV=${SLUICE_DYNAMODB_DIR}/env;SLUICE_REDIS_ENV=${SLUICE_REDIS_DIR}/env"
  CACHE INTERNAL "")
foreach(_store s3 dynamodb redis)
  string(TOUPPER ${_store} _upper)
  set(_script ${CMAKE_SOURCE_DIR}/scripts/${_store}-server.sh)
  set(_dir ${SLUICE_${_upper}_DIR})
  add_test(NAME ${_store}.server.start COMMAND bash -c "'${_script}' destroy '${_dir}' && '${_script}' start '${_dir}'")
  add_test(NAME ${_store}.server.stop COMMAND ${_script} destroy ${_dir})
  set_tests_properties(${_store}.server.start PROPERTIES FIXTURES_SETUP ${_store} TIMEOUT 300 LABELS "unit;integration")
  set_tests_properties(${_store}.server.stop PROPERTIES FIXTURES_CLEANUP ${_store} TIMEOUT 60 LABELS "unit;integration")
endforeach()
