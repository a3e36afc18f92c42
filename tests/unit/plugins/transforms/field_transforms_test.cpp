// insert_field, replace_field, mask_field, cast, value_to_key, extract_field, flatten,
// hoist_field: tables of small records cut from the fixtures (exact output), every real
// Bordeaux record (checked with an independent parser), and the bad paths.
#include "transform_support.hpp"

#include "transform_test_support.hpp"

using namespace transform_tests;
using sluice::testing::ChainInput;

// A Bordeaux ci_trafi_l row, a Paris v1 `fields` object and a 2018 count record with the
// odd shapes of that export ("3,5%" strings, an array in vit_evo).
static const std::string bdx =
    R"({"gid":1081,"ident":"MB333.P1","etat":"INCONNU","mdate":"2021-02-16T13:33:00+00:00","commune":"Bègles","code_commune":"33039"})";
static const std::string counts2018 =
    R"({"hps_val":629,"hpm":"0,0%","pl":"10,0%","mjo_val":7468,"ident":"Z06AE","vit_val":42.1,"vit_evo":[-3.0,3.0],"mjo":"-0,1%"})";
static const std::string paris =
    R"({"k":6.36167,"libelle":"Av_de_la_Grande_Armee","iu_ac":"4366","geo_point_2d":[48.87539834196557,2.2903532985048534],"etat_trafic":"Fluide"})";

TEST_CASE("insert_field: topic, partition, offset, timestamp and static fields") {
    ChainInput in;
    in.value = bdx;
    in.topic = "traffic.raw";
    in.partition = 3;
    in.offset = 42;
    in.timestamp_ms = 1766047850000;
    auto run = run_transform("insert_field",
                             {{"topic.field", "t"}, {"partition.field", "p"}, {"offset.field", "o!"}, {"timestamp.field", "ts"},
                              {"static.field", "city"}, {"static.value", "Bordeaux"}},
                             in);
    REQUIRE(run.result.status == SLUICE_OK);
    CHECK(*run.out.value == R"({"gid":1081,"ident":"MB333.P1","etat":"INCONNU","mdate":"2021-02-16T13:33:00+00:00","commune":"Bègles","code_commune":"33039","t":"traffic.raw","p":3,"o":42,"ts":1766047850000,"city":"Bordeaux"})");

    run_table("insert_field", {
        {"tombstone passes unchanged", {{"static.field", "x"}, {"static.value", "y"}}, std::nullopt, std::nullopt, ""},
        {"existing field is replaced in place", {{"static.field", "etat"}, {"static.value", "FLUIDE"}}, R"({"etat":"INCONNU","gid":1})", R"({"etat":"FLUIDE","gid":1})", ""},
        {"not an object", {{"static.field", "x"}, {"static.value", "y"}}, R"([1,2])", std::nullopt, "expected the record value to be a JSON object, found an array"},
        {"not JSON", {{"static.field", "x"}, {"static.value", "y"}}, "GID,IDENT", std::nullopt, "is not valid JSON"},
        {"optional timestamp absent", {{"timestamp.field", "ts"}}, R"({"a":1})", R"({"a":1})", ""},
        {"required timestamp absent", {{"timestamp.field", "ts!"}}, R"({"a":1})", std::nullopt, "timestamp.field 'ts' is required"},
    });
}

TEST_CASE("insert_field: offset needs a sink record; a source chain has no partition yet; key target") {
    ChainInput in;
    in.value = bdx;
    in.is_source = true;
    in.partition = SLUICE_ANY_PARTITION;
    auto run = run_transform("insert_field", {{"offset.field", "o"}}, in);
    CHECK(run.result.status == SLUICE_ERROR);
    CHECK(run.result.message.find("offset.field 'o' needs a sink record") != std::string::npos);
    run = run_transform("insert_field", {{"partition.field", "p"}}, in);
    CHECK(run.result.status == SLUICE_OK);
    CHECK(*run.out.value == bdx);
    run = run_transform("insert_field", {{"partition.field", "p!"}}, in);
    CHECK(run.result.status == SLUICE_ERROR);

    ChainInput keyed;
    keyed.key = R"({"gid":1081})";
    keyed.value = bdx;
    run = run_transform("insert_field", {{"target", "key"}, {"topic.field", "topic"}}, keyed);
    REQUIRE(run.result.status == SLUICE_OK);
    CHECK(*run.out.key == R"({"gid":1081,"topic":"topic"})");
    CHECK(*run.out.value == bdx);

    sluice::testing::FakeHost host;
    sluice::testing::TransformUnderTest none("insert_field", {}, host);
    CHECK(none.created.status == SLUICE_FATAL);
    CHECK(none.created.message.find("set at least one of") != std::string::npos);
}

TEST_CASE("replace_field: exclude, include, renames (Connect order: filter, then rename)") {
    run_table("replace_field", {
        {"exclude", {{"exclude", "mdate,code_commune,absent"}}, bdx, R"({"gid":1081,"ident":"MB333.P1","etat":"INCONNU","commune":"Bègles"})", ""},
        {"include", {{"include", "gid,etat"}}, bdx, R"({"gid":1081,"etat":"INCONNU"})", ""},
        {"exclude wins over include", {{"include", "gid,etat"}, {"exclude", "etat"}}, bdx, R"({"gid":1081})", ""},
        {"renames", {{"include", "gid,etat"}, {"renames", "etat:status,gid:id"}}, bdx, R"({"id":1081,"status":"INCONNU"})", ""},
        {"rename of a missing field", {{"renames", "nope:x"}}, R"({"a":1})", R"({"a":1})", ""},
        {"tombstone", {{"exclude", "a"}}, std::nullopt, std::nullopt, ""},
        {"string value", {{"exclude", "a"}}, R"("x")", std::nullopt, "expected the record value to be a JSON object, found a string"},
        {"nested objects are kept whole", {{"exclude", "fields"}}, R"({"fields":{"a":1},"b":{"c":2}})", R"({"b":{"c":2}})", ""},
    });
    sluice::testing::FakeHost host;
    sluice::testing::TransformUnderTest bad("replace_field", {{"renames", "a-b"}}, host);
    CHECK(bad.created.status == SLUICE_FATAL);
    CHECK(bad.created.message.find("'a-b' is not of the form old:new") != std::string::npos);
}

TEST_CASE("mask_field: type-specific empty values, replacements, nested paths, bad paths") {
    run_table("mask_field", {
        {"empty values", {{"fields", "ident,gid,vit_evo"}}, R"({"ident":"Z06AE","gid":7,"vit_evo":[-3.0,3.0],"ok":true})", R"({"ident":"","gid":0,"vit_evo":[],"ok":true})", ""},
        {"boolean and object", {{"fields", "b,o"}}, R"({"b":true,"o":{"x":1}})", R"({"b":false,"o":{}})", ""},
        {"string replacement", {{"fields", "commune"}, {"replacement", "***"}}, bdx, R"({"gid":1081,"ident":"MB333.P1","etat":"INCONNU","mdate":"2021-02-16T13:33:00+00:00","commune":"***","code_commune":"33039"})", ""},
        {"numeric replacement", {{"fields", "mjo_val"}, {"replacement", "-1"}}, R"({"mjo_val":7468})", R"({"mjo_val":-1})", ""},
        {"non-numeric replacement for a number", {{"fields", "mjo_val"}, {"replacement", "***"}}, R"({"mjo_val":7468})", std::nullopt, "field 'mjo_val' is a number but replacement '***' is not"},
        {"replacement for a boolean", {{"fields", "b"}, {"replacement", "x"}}, R"({"b":true})", std::nullopt, "field 'b' is a boolean: a replacement applies only to strings and numbers"},
        {"null stays null", {{"fields", "q"}}, R"({"q":null})", R"({"q":null})", ""},
        {"missing becomes null, as Connect", {{"fields", "q"}}, R"({"k":1})", R"({"k":1,"q":null})", ""},
        {"nested path", {{"fields", "fields.libelle"}}, R"({"fields":{"libelle":"Av","k":1}})", R"({"fields":{"libelle":"","k":1}})", ""},
        {"nested path through a missing object", {{"fields", "fields.libelle"}}, R"({"k":1})", R"({"k":1})", ""},
        {"tombstone", {{"fields", "q"}}, std::nullopt, std::nullopt, ""},
    });
}

TEST_CASE("cast: per field and whole value, Connect's conversions, odd strings refused") {
    run_table("cast", {
        {"string to int", {{"spec", "code_commune:int32,gid:string"}}, bdx, R"({"gid":"1081","ident":"MB333.P1","etat":"INCONNU","mdate":"2021-02-16T13:33:00+00:00","commune":"Bègles","code_commune":33039})", ""},
        {"float to int truncates", {{"spec", "vit_val:int64,k:int8"}}, R"({"vit_val":42.9,"k":-6.36167})", R"({"vit_val":42,"k":-6})", ""},
        {"int8 wraps as Java", {{"spec", "v:int8"}}, R"({"v":300})", R"({"v":44})", ""},
        {"to float keeps .0", {{"spec", "mjo_val:float64,hps_val:float32"}}, R"({"mjo_val":7468,"hps_val":0.1})", R"({"mjo_val":7468.0,"hps_val":0.1})", ""},
        {"boolean", {{"spec", "a:boolean,b:boolean,c:boolean,d:int32"}}, R"({"a":0,"b":"TRUE","c":"yes","d":true})", R"({"a":false,"b":true,"c":false,"d":1})", ""},
        {"\"3,5%\" is not a number", {{"spec", "mjo:float64"}}, counts2018, std::nullopt, "field 'mjo' is the string \"-0,1%\" (not a number), which cannot be cast to float64"},
        {"array to int", {{"spec", "vit_evo:int32"}}, counts2018, std::nullopt, "field 'vit_evo' is an array, which cannot be cast to int32"},
        {"array to string is its JSON", {{"spec", "vit_evo:string"}}, R"({"vit_evo":[-3.0,3.0]})", R"({"vit_evo":"[-3.0,3.0]"})", ""},
        {"null stays null", {{"spec", "q:int32"}}, R"({"q":null})", R"({"q":null})", ""},
        {"missing becomes null", {{"spec", "q:int32"}}, R"({"a":1})", R"({"a":1,"q":null})", ""},
        {"nested", {{"spec", "fields.iu_ac:int64"}}, R"({"fields":{"iu_ac":"4366"}})", R"({"fields":{"iu_ac":4366}})", ""},
        {"whole value", {{"spec", "int64"}}, R"("1081")", "1081", ""},
        {"whole value tombstone", {{"spec", "int64"}}, std::nullopt, std::nullopt, ""},
        {"whole value object", {{"spec", "int64"}}, R"({"a":1})", std::nullopt, "the whole value is an object, which cannot be cast to int64"},
    });
    sluice::testing::FakeHost host;
    sluice::testing::TransformUnderTest bad("cast", {{"spec", "a:uint8"}}, host);
    CHECK(bad.created.status == SLUICE_FATAL);
    CHECK(bad.created.message.find("unknown type 'uint8'") != std::string::npos);
    sluice::testing::TransformUnderTest mixed("cast", {{"spec", "int8,a:int8"}}, host);
    CHECK(mixed.created.status == SLUICE_FATAL);
}

TEST_CASE("value_to_key: key from value fields; tombstone refused as Connect") {
    for (const auto& rec : bordeaux_records()) {
        ChainInput in;
        in.value = rec;
        auto run = run_transform("value_to_key", {{"fields", "gid,ident"}}, in);
        REQUIRE(run.result.status == SLUICE_OK);
        auto key = parse(run.out.key), value = parse(run.out.value);
        CHECK(key.size() == 2);
        CHECK(key.at("gid") == value.at("gid"));
        CHECK(key.at("ident") == value.at("ident"));
        CHECK(*run.out.value == rec);  // value untouched
    }
    ChainInput in;
    in.value = paris;
    auto run = run_transform("value_to_key", {{"fields", "iu_ac,geo_point_2d,missing"}}, in);
    REQUIRE(run.result.status == SLUICE_OK);
    CHECK(*run.out.key == R"({"iu_ac":"4366","geo_point_2d":[48.87539834196557,2.2903532985048534],"missing":null})");
    ChainInput tomb;
    run = run_transform("value_to_key", {{"fields", "gid"}}, tomb);
    CHECK(run.result.status == SLUICE_ERROR);
    CHECK(run.result.message.find("value_to_key: the record value is null") == 0);
}

TEST_CASE("extract_field: top-level and nested paths; missing gives null") {
    run_table("extract_field", {
        {"top level string", {{"field", "etat"}}, bdx, R"("INCONNU")", ""},
        {"nested", {{"field", "fields.geo_point_2d"}}, R"({"fields":{"geo_point_2d":[48.8,2.29]}})", "[48.8,2.29]", ""},
        {"array element is not a path", {{"field", "fields.geo_point_2d.0"}}, R"({"fields":{"geo_point_2d":[48.8,2.29]}})", std::nullopt, ""},
        {"missing", {{"field", "nope"}}, bdx, std::nullopt, ""},
        {"tombstone", {{"field", "etat"}}, std::nullopt, std::nullopt, ""},
        {"not an object", {{"field", "etat"}}, "12", std::nullopt, "found a number"},
    });
    for (const auto& rec : paris_records()) {
        ChainInput in;
        in.value = rec;
        auto run = run_transform("extract_field", {{"field", "fields"}}, in);
        REQUIRE(run.result.status == SLUICE_OK);
        CHECK(parse(run.out.value) == nlohmann::json::parse(rec).at("fields"));
    }
}

TEST_CASE("flatten: nested objects joined with the delimiter, arrays kept") {
    run_table("flatten", {
        {"default delimiter", {}, R"({"a":{"b":{"c":1},"d":[1,{"x":2}]},"e":null,"f":{}})", R"({"a.b.c":1,"a.d":[1,{"x":2}],"e":null})", ""},
        {"custom delimiter", {{"delimiter", "_"}}, R"({"geometry":{"type":"Point","coordinates":[2.29,48.87]}})", R"({"geometry_type":"Point","geometry_coordinates":[2.29,48.87]})", ""},
        {"tombstone", {}, std::nullopt, std::nullopt, ""},
        {"not an object", {}, "true", std::nullopt, "found a boolean"},
    });
    for (const auto& rec : paris_records()) {
        ChainInput in;
        in.value = rec;
        auto run = run_transform("flatten", {}, in);
        REQUIRE(run.result.status == SLUICE_OK);
        auto flat = parse(run.out.value);
        auto orig = nlohmann::json::parse(rec);
        CHECK(flat.at("fields.iu_ac") == orig.at("fields").at("iu_ac"));
        if (orig.at("fields").contains("geo_shape"))
            CHECK(flat.at("fields.geo_shape.type") == orig.at("fields").at("geo_shape").at("type"));
        if (orig.contains("geometry")) CHECK(flat.at("geometry.type") == orig.at("geometry").at("type"));
        for (auto& [k, v] : flat.items()) CHECK_FALSE(v.is_object());
    }
}

TEST_CASE("hoist_field: wraps any value, null included") {
    run_table("hoist_field", {
        {"object", {{"field", "record"}}, R"({"a":1})", R"({"record":{"a":1}})", ""},
        {"string", {{"field", "line"}}, R"("15,MB333.D1,20171014031623,N230,FLUIDE")", R"({"line":"15,MB333.D1,20171014031623,N230,FLUIDE"})", ""},
        {"null", {{"field", "v"}}, std::nullopt, R"({"v":null})", ""},
        {"not JSON", {{"field", "v"}}, "15,MB333.D1", std::nullopt, "is not valid JSON"},
    });
    run_table("hoist_field", {{"key", {{"field", "id"}, {"target", "key"}}, "1081", R"({"id":1081})", ""}}, false);
}
