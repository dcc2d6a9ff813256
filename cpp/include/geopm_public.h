/*
 * Symbol visibility markers. The runtime is built with default visibility,
 * but plugins and our own classes mark what they export the way GEOPM does.
 */
#ifndef GEOPM_PUBLIC_H_INCLUDE
#define GEOPM_PUBLIC_H_INCLUDE

#define GEOPM_PUBLIC __attribute__((visibility("default")))
#define GEOPM_PRIVATE __attribute__((visibility("hidden")))

#endif
