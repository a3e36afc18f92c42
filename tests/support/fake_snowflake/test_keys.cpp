#include "test_keys.hpp"

#include "process.hpp"
#include "temp_dir.hpp"

#include <stdexcept>

namespace sluice::testing {
namespace {

std::string shell(const std::string& command, const std::string& dir) {
    RunResult r = run({"/bin/sh", "-c", command}, dir, std::chrono::seconds(60));
    if (!r.status.exited || r.status.code != 0)
        throw std::runtime_error("`" + command + "` failed (" + r.status.describe() + "): " + r.err);
    return r.out;
}

}  // namespace

TestKeyPair make_test_key_pair(const std::string& dir, const std::string& name, int bits) {
    TestKeyPair k;
    k.private_key_file = dir + "/" + name + ".p8";
    k.encrypted_key_file = dir + "/" + name + ".enc.p8";
    k.passphrase = "correct horse " + name;
    const std::string pub = dir + "/" + name + ".pub";
    shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:" + std::to_string(bits) + " -out '" +
              k.private_key_file + "' 2>&1",
          dir);
    shell("openssl pkcs8 -topk8 -v2 aes-256-cbc -in '" + k.private_key_file + "' -out '" + k.encrypted_key_file +
              "' -passout 'pass:" + k.passphrase + "' 2>&1",
          dir);
    shell("openssl pkey -in '" + k.private_key_file + "' -pubout -out '" + pub + "' 2>&1", dir);
    std::string fp = shell("openssl pkey -in '" + k.private_key_file +
                               "' -pubout -outform DER | openssl dgst -sha256 -binary | openssl enc -base64 -A",
                           dir);
    while (!fp.empty() && (fp.back() == '\n' || fp.back() == '\r')) fp.pop_back();
    k.fingerprint = "SHA256:" + fp;
    k.private_key_pem = read_file(k.private_key_file);
    k.public_key_pem = read_file(pub);
    return k;
}

}  // namespace sluice::testing
