#include "bucket.hpp"

#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>

#include <sstream>

namespace sluice::s3 {
namespace {

namespace pt = boost::property_tree;

pt::ptree parse_xml(const std::string& body, const std::string& what) {
    pt::ptree tree;
    try {
        std::istringstream in(body);
        pt::read_xml(in, tree);
    } catch (const std::exception& e) {
        throw aws::Failure(what + ": S3 answered something that is not XML: " + body.substr(0, 200), true);
    }
    return tree;
}

// Virtual-hosted addressing: the bucket becomes part of the host name.
aws::Connection hosted(aws::Connection c, const std::string& bucket, bool path_style) {
    if (path_style) return c;
    const auto scheme_end = c.endpoint.find("://") + 3;
    c.endpoint.insert(scheme_end, bucket + ".");
    return c;
}

}  // namespace

Bucket::Bucket(const aws::Connection& connection, std::string name, bool path_style, std::function<bool()> stopping)
    : client_(hosted(connection, name, path_style)), name_(std::move(name)), path_style_(path_style), stopping_(std::move(stopping)) {}

std::string Bucket::bucket_path() const { return path_style_ ? "/" + aws::encode_path(name_) : std::string("/"); }

std::string Bucket::object_path(const std::string& key) const {
    return (path_style_ ? "/" + aws::encode_path(name_) + "/" : std::string("/")) + aws::encode_path(key);
}

std::string Bucket::where(const std::string& key) const {
    return "s3://" + name_ + (key.empty() ? "" : "/" + key) + " at " + client_.connection().endpoint;
}

void Bucket::put(const std::string& key, const std::string& body, const std::string& content_type,
                 const std::map<std::string, std::string>& metadata, std::int64_t part_size) {
    if (static_cast<std::int64_t>(body.size()) > part_size) return multipart(key, body, content_type, metadata, part_size);
    http::Request r;
    r.method = "PUT";
    r.body_view = body;  // not copied: `body` outlives the request
    r.headers.push_back({"Content-Type", content_type});
    for (const auto& [name, value] : metadata) r.headers.push_back({"x-amz-meta-" + name, value});
    client_.send(std::move(r), object_path(key), "PUT " + where(key), {}, stopping_);
}

void Bucket::multipart(const std::string& key, const std::string& body, const std::string& content_type,
                       const std::map<std::string, std::string>& metadata, std::int64_t part_size) {
    http::Request start;
    start.method = "POST";
    start.headers.push_back({"Content-Type", content_type});
    for (const auto& [name, value] : metadata) start.headers.push_back({"x-amz-meta-" + name, value});
    const std::string what = "multipart upload of " + where(key);
    auto created = client_.send(std::move(start), object_path(key) + "?" + aws::canonical_query({{"uploads", ""}}), what, {},
                                stopping_);
    const std::string upload_id = parse_xml(created.body, what).get<std::string>("InitiateMultipartUploadResult.UploadId", "");
    if (upload_id.empty()) throw aws::Failure(what + ": no UploadId in S3's answer", true);
    try {
        std::string complete = "<CompleteMultipartUpload>";
        int number = 1;
        for (std::size_t at = 0; at < body.size(); at += static_cast<std::size_t>(part_size), ++number) {
            http::Request part;
            part.method = "PUT";
            part.body_view = std::string_view(body).substr(at, static_cast<std::size_t>(part_size));
            auto answer = client_.send(
                std::move(part),
                object_path(key) + "?" + aws::canonical_query({{"partNumber", std::to_string(number)}, {"uploadId", upload_id}}),
                what + ", part " + std::to_string(number), {}, stopping_);
            const auto etag = answer.header("etag");
            if (!etag) throw aws::Failure(what + ": part " + std::to_string(number) + " answered without an ETag", true);
            complete += "<Part><PartNumber>" + std::to_string(number) + "</PartNumber><ETag>" + *etag + "</ETag></Part>";
        }
        complete += "</CompleteMultipartUpload>";
        http::Request finish;
        finish.method = "POST";
        finish.body = std::move(complete);
        finish.headers.push_back({"Content-Type", "application/xml"});
        auto done = client_.send(std::move(finish), object_path(key) + "?" + aws::canonical_query({{"uploadId", upload_id}}),
                                 what + ", completion", {}, stopping_);
        // S3 may answer 200 with an <Error> body when completion fails late.
        if (done.body.find("<Error>") != std::string::npos) {
            const auto error = aws::parse_error(500, done.body);
            throw aws::Failure(what + ", completion: " + error.describe(), aws::is_retriable(error), error);
        }
    } catch (const aws::Failure&) {
        try {  // the parts would otherwise be kept (and billed) until a lifecycle rule removes them
            http::Request abort;
            abort.method = "DELETE";
            client_.send(std::move(abort), object_path(key) + "?" + aws::canonical_query({{"uploadId", upload_id}}),
                         "aborting " + what, {404}, stopping_);
        } catch (const std::exception&) {
        }
        throw;
    }
}

std::vector<std::string> Bucket::list(const std::string& prefix, int page_size) {
    std::vector<std::string> keys;
    std::string token;
    while (true) {
        std::vector<std::pair<std::string, std::string>> query{{"list-type", "2"}, {"prefix", prefix}};
        if (page_size != 1000) query.emplace_back("max-keys", std::to_string(page_size));
        if (!token.empty()) query.emplace_back("continuation-token", token);
        const std::string what = "listing " + where(prefix) + "*";
        auto answer = client_.send({}, bucket_path() + "?" + aws::canonical_query(query), what, {}, stopping_);
        const pt::ptree tree = parse_xml(answer.body, what);
        const auto result = tree.get_child_optional("ListBucketResult");
        if (!result) throw aws::Failure(what + ": no ListBucketResult in S3's answer", true);
        for (const auto& [name, child] : *result)
            if (name == "Contents") keys.push_back(child.get<std::string>("Key", ""));
        if (result->get<std::string>("IsTruncated", "false") != "true") break;
        token = result->get<std::string>("NextContinuationToken", "");
        if (token.empty()) throw aws::Failure(what + ": a truncated listing without NextContinuationToken", true);
    }
    return keys;
}

std::optional<std::map<std::string, std::string>> Bucket::head(const std::string& key) {
    http::Request r;
    r.method = "HEAD";
    auto answer = client_.send(std::move(r), object_path(key), "HEAD " + where(key), {404}, stopping_);
    if (answer.status == 404) return std::nullopt;
    std::map<std::string, std::string> metadata;
    for (const auto& h : answer.headers)
        if (h.name.rfind("x-amz-meta-", 0) == 0) metadata[h.name.substr(11)] = h.value;
    return metadata;
}

void Bucket::check() {
    client_.send({}, bucket_path() + "?" + aws::canonical_query({{"list-type", "2"}, {"max-keys", "1"}}),
                 "listing " + where(), {}, stopping_);
}

std::string Bucket::get(const std::string& key) {
    return client_.send({}, object_path(key), "GET " + where(key), {}, stopping_).body;
}

}  // namespace sluice::s3
