/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The parts of the kernel's VFIO and iommufd uAPI that libhisi uses (include/uapi/linux/vfio.h,
 * iommufd.h), defined here under our own names so that the build does not depend on the age of
 * the system headers: Debian 12's (6.1) lack PRE_COPY, PRECOPY_INFO, MIG_DATA_SIZE and the cdev
 * interface. Where the system header has a constant, the build checks that ours is the same.
 * Every VFIO ioctl is _IO(';', 100 + n): no size is encoded.
 */
#pragma once

#include <linux/ioctl.h>
#include <linux/types.h>
#include <linux/vfio.h>

#define HISI_VFIO_TYPE ';'
#define HISI_VFIO_BASE 100

#define HISI_VFIO_API_VERSION   0
#define HISI_VFIO_TYPE1v2_IOMMU 3

#define HISI_VFIO_GET_API_VERSION          _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 0)  /* 0x3B64 */
#define HISI_VFIO_CHECK_EXTENSION          _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 1)  /* 0x3B65 */
#define HISI_VFIO_SET_IOMMU                _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 2)  /* 0x3B66 */
#define HISI_VFIO_GROUP_GET_STATUS         _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 3)  /* 0x3B67 */
#define HISI_VFIO_GROUP_SET_CONTAINER      _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 4)  /* 0x3B68 */
#define HISI_VFIO_GROUP_GET_DEVICE_FD      _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 6)  /* 0x3B6A */
#define HISI_VFIO_DEVICE_GET_INFO          _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 7)  /* 0x3B6B */
#define HISI_VFIO_DEVICE_GET_REGION_INFO   _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 8)  /* 0x3B6C */
#define HISI_VFIO_DEVICE_RESET             _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 11) /* 0x3B6F */
#define HISI_VFIO_DEVICE_FEATURE           _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 17) /* 0x3B75 */
#define HISI_VFIO_DEVICE_BIND_IOMMUFD      _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 18) /* 0x3B76 */
#define HISI_VFIO_DEVICE_ATTACH_IOMMUFD_PT _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 19) /* 0x3B77 */
#define HISI_VFIO_MIG_GET_PRECOPY_INFO     _IO(HISI_VFIO_TYPE, HISI_VFIO_BASE + 21) /* 0x3B79 */

#define HISI_IOMMUFD_CMD_IOAS_ALLOC 0x81
#define HISI_IOMMU_IOAS_ALLOC       _IO(HISI_VFIO_TYPE, HISI_IOMMUFD_CMD_IOAS_ALLOC) /* 0x3B81 */

#define HISI_VFIO_GROUP_FLAGS_VIABLE (1u << 0)

/* vfio-pci's regions: BAR0-5 = 0-5, ROM 6, CONFIG 7, VGA 8; region i at fd offset i << 40. */
#define HISI_VFIO_PCI_BAR2_REGION_INDEX 2
#define HISI_VFIO_PCI_NUM_REGIONS       9
#define HISI_VFIO_PCI_OFFSET_SHIFT      40

#define HISI_VFIO_REGION_INFO_FLAG_READ  (1u << 0)
#define HISI_VFIO_REGION_INFO_FLAG_WRITE (1u << 1)
#define HISI_VFIO_REGION_INFO_FLAG_MMAP  (1u << 2)

/* struct vfio_device_feature: an 8-byte header, then the feature's payload. */
#define HISI_VFIO_DEVICE_FEATURE_MASK  0xffffu
#define HISI_VFIO_DEVICE_FEATURE_GET   (1u << 16)
#define HISI_VFIO_DEVICE_FEATURE_SET   (1u << 17)
#define HISI_VFIO_DEVICE_FEATURE_PROBE (1u << 18)

#define HISI_VFIO_DEVICE_FEATURE_MIGRATION        1
#define HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE 2
#define HISI_VFIO_DEVICE_FEATURE_MIG_DATA_SIZE    9

typedef struct hisi_vfio_feature_hdr {
        __u32 argsz;
        __u32 flags;
} hisi_vfio_feature_hdr;

typedef struct hisi_vfio_feature_migration {
        __aligned_u64 flags;
} hisi_vfio_feature_migration;

typedef struct hisi_vfio_feature_mig_state {
        __u32 device_state;
        __s32 data_fd;
} hisi_vfio_feature_mig_state;

typedef struct hisi_vfio_feature_mig_data_size {
        __aligned_u64 stop_copy_length;
} hisi_vfio_feature_mig_data_size;

typedef struct hisi_vfio_precopy_info {
        __u32 argsz;
        __u32 flags;
        __aligned_u64 initial_bytes;
        __aligned_u64 dirty_bytes;
} hisi_vfio_precopy_info;

/* struct vfio_region_info, VFIO_DEVICE_GET_REGION_INFO's argument (without capabilities). */
typedef struct hisi_vfio_region_info {
        __u32 argsz;
        __u32 flags;
        __u32 index;
        __u32 cap_offset;
        __aligned_u64 size;
        __aligned_u64 offset;
} hisi_vfio_region_info;

typedef struct hisi_vfio_group_status {
        __u32 argsz;
        __u32 flags;
} hisi_vfio_group_status;

typedef struct hisi_vfio_device_bind_iommufd {
        __u32 argsz;
        __u32 flags;
        __s32 iommufd;
        __u32 out_devid;
} hisi_vfio_device_bind_iommufd;

typedef struct hisi_vfio_device_attach_iommufd_pt {
        __u32 argsz;
        __u32 flags;
        __u32 pt_id;
} hisi_vfio_device_attach_iommufd_pt;

typedef struct hisi_iommu_ioas_alloc {
        __u32 size;
        __u32 flags;
        __u32 out_ioas_id;
} hisi_iommu_ioas_alloc;

_Static_assert(sizeof(hisi_vfio_feature_hdr) == 8, "vfio_device_feature header");
_Static_assert(sizeof(hisi_vfio_precopy_info) == 24, "vfio_precopy_info");
_Static_assert(sizeof(hisi_vfio_device_bind_iommufd) == 16, "vfio_device_bind_iommufd");
_Static_assert(sizeof(hisi_vfio_region_info) == 32, "vfio_region_info");

/* Where the system header knows a constant, it must be ours. */
#ifdef VFIO_DEVICE_FEATURE
_Static_assert(VFIO_DEVICE_FEATURE == HISI_VFIO_DEVICE_FEATURE, "VFIO_DEVICE_FEATURE");
_Static_assert(VFIO_DEVICE_FEATURE_GET == HISI_VFIO_DEVICE_FEATURE_GET, "FEATURE_GET");
_Static_assert(VFIO_DEVICE_FEATURE_SET == HISI_VFIO_DEVICE_FEATURE_SET, "FEATURE_SET");
_Static_assert(VFIO_DEVICE_FEATURE_PROBE == HISI_VFIO_DEVICE_FEATURE_PROBE, "FEATURE_PROBE");
#endif
#ifdef VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE
_Static_assert(VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE == HISI_VFIO_DEVICE_FEATURE_MIG_DEVICE_STATE,
               "MIG_DEVICE_STATE");
#endif
#ifdef VFIO_MIG_GET_PRECOPY_INFO
_Static_assert(VFIO_MIG_GET_PRECOPY_INFO == HISI_VFIO_MIG_GET_PRECOPY_INFO, "PRECOPY_INFO");
#endif
#ifdef VFIO_DEVICE_BIND_IOMMUFD
_Static_assert(VFIO_DEVICE_BIND_IOMMUFD == HISI_VFIO_DEVICE_BIND_IOMMUFD, "BIND_IOMMUFD");
#endif
_Static_assert(VFIO_DEVICE_RESET == HISI_VFIO_DEVICE_RESET, "VFIO_DEVICE_RESET");
_Static_assert(VFIO_DEVICE_GET_REGION_INFO == HISI_VFIO_DEVICE_GET_REGION_INFO, "GET_REGION_INFO");
_Static_assert(VFIO_REGION_INFO_FLAG_READ == HISI_VFIO_REGION_INFO_FLAG_READ, "REGION READ");
_Static_assert(VFIO_REGION_INFO_FLAG_WRITE == HISI_VFIO_REGION_INFO_FLAG_WRITE, "REGION WRITE");
_Static_assert(VFIO_REGION_INFO_FLAG_MMAP == HISI_VFIO_REGION_INFO_FLAG_MMAP, "REGION MMAP");
_Static_assert(VFIO_PCI_BAR2_REGION_INDEX == HISI_VFIO_PCI_BAR2_REGION_INDEX, "BAR2 index");
_Static_assert(VFIO_PCI_NUM_REGIONS == HISI_VFIO_PCI_NUM_REGIONS, "VFIO_PCI_NUM_REGIONS");
_Static_assert(sizeof(struct vfio_region_info) == sizeof(hisi_vfio_region_info), "region_info");
_Static_assert(VFIO_GROUP_GET_DEVICE_FD == HISI_VFIO_GROUP_GET_DEVICE_FD, "GET_DEVICE_FD");
_Static_assert(VFIO_TYPE1v2_IOMMU == HISI_VFIO_TYPE1v2_IOMMU, "TYPE1v2");
