! geopm-bridge: the Fortran face of application profiling (geopm_prof.h).
!
! A program says `use geopm_prof` and calls the C functions of
! libgeopmprof directly: every interface below is bind(C), so the module
! itself holds no code. Region names cross as C strings, so a program ends
! them with c_null_char:
!
!     ierr = geopm_prof_region(c_char_'solve'//c_null_char, &
!                              GEOPM_REGION_HINT_COMPUTE, region_id)
!
! Names, kinds and argument passing are those of GEOPM 3.1's module of the
! same name, so a program written for GEOPM builds unchanged. Each function
! returns 0 or a GEOPM_ERROR_* code (see geopm_error.h).
module geopm_prof
    use, intrinsic :: iso_c_binding
    implicit none

    ! geopm_region_hint_e of geopm_hint.h: what kind of work a region does.
    integer(8), parameter :: GEOPM_REGION_HINT_UNKNOWN = 1
    integer(8), parameter :: GEOPM_REGION_HINT_COMPUTE = 2
    integer(8), parameter :: GEOPM_REGION_HINT_MEMORY = 3
    integer(8), parameter :: GEOPM_REGION_HINT_NETWORK = 4
    integer(8), parameter :: GEOPM_REGION_HINT_IO = 5
    integer(8), parameter :: GEOPM_REGION_HINT_SERIAL = 6
    integer(8), parameter :: GEOPM_REGION_HINT_PARALLEL = 7
    integer(8), parameter :: GEOPM_REGION_HINT_IGNORE = 8
    integer(8), parameter :: GEOPM_REGION_HINT_INACTIVE = 9
    integer(8), parameter :: GEOPM_REGION_HINT_SPIN = 10

    interface
        ! The id of the region called region_name (a C string) with hint.
        integer(c_int) function geopm_prof_region(region_name, hint, region_id) bind(C)
            import :: c_int, c_char, c_int64_t
            character(kind=c_char), intent(in) :: region_name(*)
            integer(c_int64_t), value, intent(in) :: hint
            integer(c_int64_t), intent(out) :: region_id
        end function geopm_prof_region

        ! The program enters the region region_id.
        integer(c_int) function geopm_prof_enter(region_id) bind(C)
            import :: c_int, c_int64_t
            integer(c_int64_t), value, intent(in) :: region_id
        end function geopm_prof_enter

        ! The program leaves the region it entered last.
        integer(c_int) function geopm_prof_exit(region_id) bind(C)
            import :: c_int, c_int64_t
            integer(c_int64_t), value, intent(in) :: region_id
        end function geopm_prof_exit

        ! One iteration of the program's outer loop begins.
        integer(c_int) function geopm_prof_epoch() bind(C)
            import :: c_int
        end function geopm_prof_epoch

        ! The program is done profiling (also done when it exits).
        integer(c_int) function geopm_prof_shutdown() bind(C)
            import :: c_int
        end function geopm_prof_shutdown

        ! The current region holds num_work_unit units of work...
        integer(c_int) function geopm_tprof_init(num_work_unit) bind(C)
            import :: c_int, c_int32_t
            integer(c_int32_t), value, intent(in) :: num_work_unit
        end function geopm_tprof_init

        ! ...of which the calling thread has finished one more.
        integer(c_int) function geopm_tprof_post() bind(C)
            import :: c_int
        end function geopm_tprof_post
    end interface
end module geopm_prof
