#include "geo_route.hpp"

#include <cmath>

namespace sluice::datagen {
namespace {

// The Bordeaux ring road (A630 "rocade"), clockwise from the Pont d'Aquitaine, traced
// through its interchanges (approximate, to ~200 m): a closed loop of about 45 km.
const std::vector<GeoPoint> bordeaux_ring = {
    {44.8796, -0.5376},  // Pont d'Aquitaine
    {44.8790, -0.5167},  // Lormont
    {44.8660, -0.5040},  // Carbon-Blanc / Cenon
    {44.8530, -0.4930},  // Artigues
    {44.8370, -0.4980},  // Floirac
    {44.8180, -0.5120},  // Bouliac
    {44.8080, -0.5370},  // Pont François Mitterrand
    {44.7960, -0.5560},  // Bègles
    {44.7850, -0.5780},  // Villenave-d'Ornon
    {44.7840, -0.6030},  // Gradignan / Talence
    {44.7930, -0.6310},  // Pessac
    {44.8100, -0.6520},  // Pessac Alouette
    {44.8330, -0.6620},  // Mérignac (airport interchange)
    {44.8560, -0.6620},  // Mérignac / Le Haillan
    {44.8770, -0.6480},  // Eysines
    {44.8900, -0.6200},  // Bruges
    {44.8940, -0.5880},  // Bordeaux Lac
    {44.8880, -0.5580},  // Bassins à flot
};

double distance(const GeoPoint& a, const GeoPoint& b) {  // equirectangular, fine at city scale
    const double kx = std::cos((a.lat + b.lat) * 0.5 * 3.14159265358979 / 180.0);
    return std::hypot((b.lon - a.lon) * kx, b.lat - a.lat);
}

GeoPoint along(const std::vector<GeoPoint>& loop, double fraction) {
    double total = 0;
    for (size_t i = 0; i < loop.size(); ++i) total += distance(loop[i], loop[(i + 1) % loop.size()]);
    double target = fraction * total;
    for (size_t i = 0; i < loop.size(); ++i) {
        const GeoPoint& a = loop[i];
        const GeoPoint& b = loop[(i + 1) % loop.size()];
        const double d = distance(a, b);
        if (target <= d || i + 1 == loop.size()) {
            const double t = d > 0 ? std::min(1.0, target / d) : 0;
            return {a.lat + (b.lat - a.lat) * t, a.lon + (b.lon - a.lon) * t};
        }
        target -= d;
    }
    return loop.front();
}

}  // namespace

std::vector<std::string> geo_route_names() { return {"bordeaux-ring"}; }

std::optional<GeoPoint> sensor_position(const std::string& route, std::uint32_t index, std::uint32_t count) {
    if (route != "bordeaux-ring" || count == 0) return std::nullopt;
    return along(bordeaux_ring, static_cast<double>(index % count) / count);
}

}  // namespace sluice::datagen
