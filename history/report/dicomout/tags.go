package dicomout

// The tags this package writes, by keyword (PS3.6).
const (
	tagFileMetaInformationGroupLength = 0x00020000
	tagFileMetaInformationVersion     = 0x00020001
	tagMediaStorageSOPClassUID        = 0x00020002
	tagMediaStorageSOPInstanceUID     = 0x00020003
	tagTransferSyntaxUID              = 0x00020010
	tagImplementationClassUID         = 0x00020012
	tagImplementationVersionName      = 0x00020013

	tagSpecificCharacterSet                = 0x00080005
	tagInstanceCreationDate                = 0x00080012
	tagInstanceCreationTime                = 0x00080013
	tagSOPClassUID                         = 0x00080016
	tagSOPInstanceUID                      = 0x00080018
	tagSeriesDate                          = 0x00080021
	tagContentDate                         = 0x00080023
	tagSeriesTime                          = 0x00080031
	tagContentTime                         = 0x00080033
	tagAcquisitionDateTime                 = 0x0008002A
	tagConversionType                      = 0x00080064
	tagModality                            = 0x00080060
	tagManufacturer                        = 0x00080070
	tagCodeValue                           = 0x00080100
	tagCodingSchemeDesignator              = 0x00080102
	tagCodeMeaning                         = 0x00080104
	tagCodingSchemeIdentificationSequence  = 0x00080110
	tagCodingSchemeName                    = 0x00080115
	tagCodingSchemeResponsibleOrganization = 0x00080116
	tagSeriesDescription                   = 0x0008103E
	tagManufacturerModelName               = 0x00081090
	tagReferencedPerformedProcedureStep    = 0x00081111
	tagReferencedSeriesSequence            = 0x00081115
	tagReferencedSOPClassUID               = 0x00081150
	tagReferencedSOPInstanceUID            = 0x00081155
	tagReferencedFrameNumber               = 0x00081160
	tagReferencedSOPSequence               = 0x00081199

	tagPatientIdentityRemoved         = 0x00120062
	tagDeidentificationMethod         = 0x00120063
	tagDeidentificationMethodCodeSeq  = 0x00120064
	tagSoftwareVersions               = 0x00181020
	tagStudyInstanceUID               = 0x0020000D
	tagSeriesInstanceUID              = 0x0020000E
	tagSeriesNumber                   = 0x00200011
	tagInstanceNumber                 = 0x00200013
	tagBurnedInAnnotation             = 0x00280301
	tagRelationshipType               = 0x0040A010
	tagVerificationFlag               = 0x0040A493
	tagValueType                      = 0x0040A040
	tagConceptNameCodeSequence        = 0x0040A043
	tagContinuityOfContent            = 0x0040A050
	tagUID                            = 0x0040A124
	tagMeasurementUnitsCodeSequence   = 0x004008EA
	tagMeasuredValueSequence          = 0x0040A300
	tagNumericValue                   = 0x0040A30A
	tagTextValue                      = 0x0040A160
	tagConceptCodeSequence            = 0x0040A168
	tagPerformedProcedureCodeSequence = 0x0040A372
	tagCurrentRequestedProcedureEvSeq = 0x0040A375
	tagCompletionFlag                 = 0x0040A491
	tagCompletionFlagDescription      = 0x0040A492
	tagContentSequence                = 0x0040A730
	tagDocumentTitle                  = 0x00420010
	tagEncapsulatedDocument           = 0x00420011
	tagMIMETypeOfEncapsulatedDocument = 0x00420012
	tagSourceInstanceSequence         = 0x00420013
	tagEncapsulatedDocumentLength     = 0x00420015
	tagRecognizableVisualFeatures     = 0x00280302
)
