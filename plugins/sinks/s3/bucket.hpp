// The S3 requests the sink makes of one bucket: whole-object PUT, multipart upload
// (completed only once every part is in, aborted otherwise), ListObjectsV2, HEAD. Every
// request is signed by libcurl (sluice_aws) and retried there when S3 says it may be.
#pragma once

#include <sluice/aws.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::s3 {

class Bucket {
public:
    Bucket(const aws::Connection& connection, std::string name, bool path_style, std::function<bool()> stopping = {});

    // Stores `body` as `key` with user metadata (x-amz-meta-<name>): one PUT when it is at
    // most part_size bytes, else a multipart upload of part_size parts. Either way the
    // object appears whole or not at all. Throws aws::Failure.
    void put(const std::string& key, const std::string& body, const std::string& content_type,
             const std::map<std::string, std::string>& metadata, std::int64_t part_size);
    // Every key under `prefix` (ListObjectsV2, all pages of at most `page_size` keys).
    std::vector<std::string> list(const std::string& prefix, int page_size = 1000);
    // The user metadata of an object (names lower-case, without x-amz-meta-); nullopt when
    // there is no such object.
    std::optional<std::map<std::string, std::string>> head(const std::string& key);
    // One ListObjectsV2 of at most one key: fails (aws::Failure) when the bucket is missing
    // or the credentials are refused, with S3's code and message.
    void check();
    // The object's bytes (tests and tools).
    std::string get(const std::string& key);

    std::string where(const std::string& key = {}) const;

private:
    std::string object_path(const std::string& key) const;  // /bucket/key or /key, encoded
    std::string bucket_path() const;
    void multipart(const std::string& key, const std::string& body, const std::string& content_type,
                   const std::map<std::string, std::string>& metadata, std::int64_t part_size);

    aws::Client client_;
    std::string name_;
    bool path_style_;
    std::function<bool()> stopping_;
};

}  // namespace sluice::s3
