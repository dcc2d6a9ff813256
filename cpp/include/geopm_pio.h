/*
 * C interface to the current node's PlatformIO (geopm::platform_io()).
 * Every function returns 0 or a negative GEOPM_ERROR_* code unless noted.
 */
#ifndef GEOPM_PIO_H_INCLUDE
#define GEOPM_PIO_H_INCLUDE

#include <limits.h>
#include <stddef.h>

#include "geopm_public.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Number of signal names, or an error. */
int GEOPM_PUBLIC
    geopm_pio_num_signal_name(void);

/* The name_idx'th signal name in sorted order. */
int GEOPM_PUBLIC
    geopm_pio_signal_name(int name_idx, size_t result_max, char *result);

/* Number of control names, or an error. */
int GEOPM_PUBLIC
    geopm_pio_num_control_name(void);

/* The name_index'th control name in sorted order. */
int GEOPM_PUBLIC
    geopm_pio_control_name(int name_index, size_t result_max, char *result);

/* Native domain of a signal, or an error. */
int GEOPM_PUBLIC
    geopm_pio_signal_domain_type(const char *signal_name);

/* Native domain of a control, or an error. */
int GEOPM_PUBLIC
    geopm_pio_control_domain_type(const char *control_name);

int GEOPM_PUBLIC
    geopm_pio_read_signal(const char *signal_name, int domain_type,
                          int domain_idx, double *result);

int GEOPM_PUBLIC
    geopm_pio_write_control(const char *control_name, int domain_type,
                            int domain_idx, double setting);

/* Batch index of the signal, or an error. */
int GEOPM_PUBLIC
    geopm_pio_push_signal(const char *signal_name, int domain_type, int domain_idx);

/* Batch index of the control, or an error. */
int GEOPM_PUBLIC
    geopm_pio_push_control(const char *control_name, int domain_type, int domain_idx);

int GEOPM_PUBLIC
    geopm_pio_sample(int signal_idx, double *result);

int GEOPM_PUBLIC
    geopm_pio_adjust(int control_idx, double setting);

int GEOPM_PUBLIC
    geopm_pio_read_batch(void);

int GEOPM_PUBLIC
    geopm_pio_write_batch(void);

int GEOPM_PUBLIC
    geopm_pio_save_control(void);

int GEOPM_PUBLIC
    geopm_pio_save_control_dir(const char *save_dir);

int GEOPM_PUBLIC
    geopm_pio_restore_control(void);

int GEOPM_PUBLIC
    geopm_pio_restore_control_dir(const char *save_dir);

int GEOPM_PUBLIC
    geopm_pio_signal_description(const char *signal_name, size_t description_max,
                                 char *description);

int GEOPM_PUBLIC
    geopm_pio_control_description(const char *control_name, size_t description_max,
                                  char *description);

/* Agg::m_type_e, string_format_e and IOGroup::m_signal_behavior_e of a signal. */
int GEOPM_PUBLIC
    geopm_pio_signal_info(const char *signal_name, int *aggregation_type,
                          int *format_type, int *behavior_type);

struct geopm_request_s;

/* Not provided by the embedded runtime: GEOPM_ERROR_NOT_IMPLEMENTED. */
int GEOPM_PUBLIC
    geopm_pio_start_batch_server(int client_pid, int num_signal,
                                 const struct geopm_request_s *signal_config,
                                 int num_control,
                                 const struct geopm_request_s *control_config,
                                 int *server_pid, int key_size, char *server_key);

/* Not provided by the embedded runtime: GEOPM_ERROR_NOT_IMPLEMENTED. */
int GEOPM_PUBLIC
    geopm_pio_stop_batch_server(int server_pid);

/* Format signal with a string_format_e type. */
int GEOPM_PUBLIC
    geopm_pio_format_signal(double signal, int format_type, size_t result_max,
                            char *result);

/* Drop the current node's PlatformIO; the next use builds a fresh one. */
void GEOPM_PUBLIC
    geopm_pio_reset(void);

/* 1 when value is a usable number (not NaN), else 0. */
int GEOPM_PUBLIC
    geopm_pio_check_valid_value(double value);

/* Not provided by the embedded runtime: GEOPM_ERROR_NOT_IMPLEMENTED. */
int GEOPM_PUBLIC
    geopm_pio_profile_pids(const char *profile_name, int max_num_pid, int *num_pid, int *pid);

#ifdef __cplusplus
}
#endif
#endif
