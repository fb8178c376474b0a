/**
 * Airport (IATA) coordinates used to place observer regions on the map when
 * no observer position is known (`GET /api/iata-coords`). Public airport
 * reference points, rounded to 4 decimals.
 *
 * @module
 */

const TABLE: readonly string[] = [
  "SJC:37.3626,-121.929 SFO:37.6213,-122.379 OAK:37.7213,-122.2208 SEA:47.4502,-122.3088",
  "PDX:45.5898,-122.5951 LAX:33.9425,-118.4081 SAN:32.7338,-117.1933 SMF:38.6954,-121.5908",
  "APC:38.2132,-122.2807 STS:38.509,-122.8128 MRY:36.587,-121.843 EUG:44.1246,-123.2119",
  "RDD:40.509,-122.2934 MFR:42.3742,-122.8735 FAT:36.7762,-119.7181 SBA:34.4262,-119.8405",
  "RNO:39.4991,-119.7681 BOI:43.5644,-116.2228 LAS:36.084,-115.1537 PHX:33.4373,-112.0078",
  "SLC:40.7884,-111.9778 DEN:39.8561,-104.6737 DFW:32.8998,-97.0403 IAH:29.9844,-95.3414",
  "AUS:30.1975,-97.6664 MSP:44.8848,-93.2223 ATL:33.6407,-84.4277 ORD:41.9742,-87.9073",
  "JFK:40.6413,-73.7781 EWR:40.6895,-74.1745 BOS:42.3656,-71.0096 MIA:25.7959,-80.287",
  "IAD:38.9531,-77.4565 CLT:35.2144,-80.9473 DTW:42.2124,-83.3534 MCO:28.4312,-81.3081",
  "BNA:36.1263,-86.6774 RDU:35.8801,-78.788 YVR:49.1967,-123.1815 YYZ:43.6777,-79.6248",
  "YYC:51.1215,-114.0076 YEG:53.3097,-113.58 YOW:45.3225,-75.6692 LHR:51.47,-0.4543",
  "CDG:49.0097,2.5479 FRA:50.0379,8.5622 AMS:52.3105,4.7683 MUC:48.3537,11.775",
  "SOF:42.6952,23.4062 NRT:35.772,140.3929 HND:35.5494,139.7798 ICN:37.4602,126.4407",
  "SYD:-33.9461,151.1772",
];

/** IATA code -> `{lat, lon}`. */
export const IATA_COORDS: Readonly<Record<string, { lat: number; lon: number }>> = Object
  .fromEntries(
    TABLE.flatMap((line) => line.split(" ")).map((e) => {
      const [code, pos] = e.split(":");
      const [lat, lon] = pos.split(",").map(Number);
      return [code, { lat, lon }];
    }),
  );
