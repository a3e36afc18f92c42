#include <sluice/aws.hpp>

#include <doctest/doctest.h>

using namespace sluice::aws;

TEST_CASE("canonical paths and queries: what libcurl signs as sent is what AWS signs") {
    CHECK(encode_path("topics/t.x/year=2025/t.x+0+00000000000000000007.jsonl") ==
          "topics/t.x/year%3D2025/t.x%2B0%2B00000000000000000007.jsonl");
    CHECK(encode_path("a b/é~") == "a%20b/%C3%A9~");
    CHECK(canonical_query({{"prefix", "topics/t/"}, {"list-type", "2"}, {"continuation-token", "a+b/c="}}) ==
          "continuation-token=a%2Bb%2Fc%3D&list-type=2&prefix=topics%2Ft%2F");
    CHECK(canonical_query({{"uploads", ""}}) == "uploads=");
}

TEST_CASE("digests") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(md5_base64("hello\n") == "sZRqySSS0jR8YjW00mERhA==");
}

TEST_CASE("service errors: S3's XML, DynamoDB's JSON, anything else") {
    auto s3 = parse_error(403, "<?xml version=\"1.0\"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
                               "signature we calculated does not match &amp; more</Message></Error>");
    CHECK(s3.code == "SignatureDoesNotMatch");
    CHECK(s3.message == "The request signature we calculated does not match & more");
    CHECK(s3.describe() == "HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match & more");
    auto ddb = parse_error(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"})");
    CHECK(ddb.code == "ResourceNotFoundException");
    CHECK(ddb.message == "Requested resource not found");
    auto html = parse_error(502, "<html>\n<body>Bad Gateway</body></html>");
    CHECK(html.code.empty());
    CHECK(html.describe().find("HTTP 502") == 0);
    CHECK(parse_error(404, "").describe() == "HTTP 404");
}

TEST_CASE("what is retried: 5xx, 429, throttling; not refusals") {
    CHECK(is_retriable({503, "SlowDown", ""}));
    CHECK(is_retriable({500, "", ""}));
    CHECK(is_retriable({429, "", ""}));
    CHECK(is_retriable({400, "ProvisionedThroughputExceededException", ""}));
    CHECK(is_retriable({400, "ThrottlingException", ""}));
    CHECK(!is_retriable({403, "SignatureDoesNotMatch", ""}));
    CHECK(!is_retriable({404, "NoSuchBucket", ""}));
    CHECK(!is_retriable({400, "ValidationException", ""}));
}
