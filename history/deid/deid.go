// Package deid de-identifies DICOM attributes before they are shown or
// exported, following the DICOM PS3.15 Annex E Basic Application Level
// Confidentiality Profile, with the Retain Longitudinal Temporal
// Information with Modified Dates Option (dates shifted by one fixed
// offset per key, so intervals between studies survive).
//
// The profile's table lists what to do with each attribute that may hold
// identifying information: remove it (X), empty it (Z), replace it with a
// dummy (D), replace a UID with a new one (U), or keep it (K). This package
// applies the actions of the attributes it lists below and is stricter
// than the profile for everything else: names (VR PN) and private
// attributes are removed, UIDs other than class and syntax UIDs are
// replaced, dates are shifted, times removed, and free text (VR LO, SH,
// ST, LT, UT, UC) that is not known to be safe is removed. Pixel data is
// not examined: burned-in text is the caller's to judge
// (BurnedInAnnotation).
package deid

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"math/big"
	"strings"
	"time"

	"github.com/medgemma-workbench/medgemma-workbench/dicomview"
)

// Action is what the profile does to an attribute.
type Action byte

// Actions of PS3.15 Table E.1-1, and Shift for dates under the modified
// dates option.
const (
	Keep    Action = 'K'
	Remove  Action = 'X'
	Empty   Action = 'Z'
	Dummy   Action = 'D'
	NewUID  Action = 'U'
	Shifted Action = 'S'
)

// String returns the action's letter as the profile's table writes it (S
// for a shifted date).
func (a Action) String() string { return string(rune(a)) }

// Method is the value of DeidentificationMethod for what this package does,
// and MethodCodes the codes of PS3.16 CID 7050 it applies.
const (
	Method = "DICOM PS3.15 E.1 Basic Application Level Confidentiality Profile; Retain Longitudinal Temporal Information Modified Dates Option"
)

// MethodCodes are the CID 7050 codes for Method.
var MethodCodes = []string{"113100", "113107"}

// Result is one attribute after de-identification.
type Result struct {
	dicomview.Attribute
	// Action is what was done. Removed attributes are returned too, with
	// no values, so that a report can say what was taken out.
	Action Action
}

// Key makes replacements consistent: the same key maps the same UID to the
// same new UID and shifts every date by the same number of days. Derive it
// from a secret kept with the data (the history database's salt), never
// from the data itself.
type Key []byte

// actions are the attributes of PS3.15 Table E.1-1 that the workbench may
// meet, with the Basic Profile's action (the strictest where the table
// gives a choice, such as X/Z/D), and the technical attributes known to be
// safe to keep.
var actions = map[string]Action{
	// Patient.
	"PatientName": Remove, "PatientID": Remove, "IssuerOfPatientID": Remove, "OtherPatientIDs": Remove,
	"OtherPatientIDsSequence": Remove, "OtherPatientNames": Remove, "PatientBirthName": Remove,
	"PatientBirthDate": Remove, "PatientBirthTime": Remove, "PatientSex": Remove, "PatientAge": Remove,
	"PatientSize": Remove, "PatientWeight": Remove, "PatientAddress": Remove, "PatientMotherBirthName": Remove,
	"PatientTelephoneNumbers": Remove, "MilitaryRank": Remove, "BranchOfService": Remove, "EthnicGroup": Remove,
	"Occupation": Remove, "AdditionalPatientHistory": Remove, "PatientComments": Remove, "MedicalRecordLocator": Remove,
	"PatientReligiousPreference": Remove, "PregnancyStatus": Remove, "SmokingStatus": Remove, "AllergyDescription": Remove,
	"PatientInsurancePlanCodeSequence": Remove, "ResponsiblePerson": Remove, "ResponsibleOrganization": Remove,
	"PatientState": Remove, "MedicalAlerts": Remove, "CountryOfResidence": Remove, "RegionOfResidence": Remove,
	// Institution, people, equipment identity.
	"InstitutionName": Remove, "InstitutionAddress": Remove, "InstitutionalDepartmentName": Remove,
	"InstitutionCodeSequence": Remove, "ReferringPhysicianName": Remove, "ReferringPhysicianAddress": Remove,
	"ReferringPhysicianTelephoneNumbers": Remove, "ReferringPhysicianIdentificationSequence": Remove,
	"PhysiciansOfRecord": Remove, "PerformingPhysicianName": Remove, "NameOfPhysiciansReadingStudy": Remove,
	"OperatorsName": Remove, "RequestingPhysician": Remove, "ScheduledPerformingPhysicianName": Remove,
	"StationName": Remove, "DeviceSerialNumber": Remove, "DetectorID": Remove, "PlateID": Remove,
	"GantryID": Remove, "CassetteID": Remove, "GeneratorID": Remove, "DeviceUID": NewUID,
	// Study, series, visit identity.
	"AccessionNumber": Remove, "StudyID": Remove, "StudyDescription": Remove, "SeriesDescription": Remove,
	"ProtocolName": Remove, "RequestedProcedureDescription": Remove, "PerformedProcedureStepDescription": Remove,
	"PerformedProcedureStepID": Remove, "RequestedProcedureID": Remove, "ScheduledProcedureStepID": Remove,
	"AdmissionID": Remove, "AdmittingDiagnosesDescription": Remove, "ReasonForStudy": Remove,
	"RequestAttributesSequence": Remove, "ImageComments": Remove, "DerivationDescription": Remove,
	"ContentCreatorName": Remove, "InstanceCreatorUID": NewUID, "TimezoneOffsetFromUTC": Remove,
	"BodyPartExamined": Remove, "ContrastBolusAgent": Remove, "FillerOrderNumberImagingServiceRequest": Remove,
	"PlacerOrderNumberImagingServiceRequest": Remove, "OriginalAttributesSequence": Remove,
	// UIDs that are classes or syntaxes, not instances: kept.
	"SOPClassUID": Keep, "MediaStorageSOPClassUID": Keep, "TransferSyntaxUID": Keep, "ImplementationClassUID": Keep,
	"ReferencedSOPClassUID": Keep,
	// Technical attributes kept by the profile.
	"Modality": Keep, "ImageType": Keep, "Manufacturer": Keep, "ManufacturerModelName": Keep, "SoftwareVersions": Keep,
	"PhotometricInterpretation": Keep, "ConversionType": Keep, "PatientPosition": Keep, "ViewPosition": Keep,
	"Laterality": Keep, "ImageLaterality": Keep, "ScanOptions": Keep, "BurnedInAnnotation": Keep,
	"LossyImageCompression": Keep, "PresentationLUTShape": Keep, "RescaleType": Keep, "ContentQualification": Keep,
	"ImplementationVersionName": Keep, "SpecificCharacterSet": Keep, "PixelPresentation": Keep, "VolumetricProperties": Keep,
	"VolumeBasedCalculationTechnique": Keep, "PositionReferenceIndicator": Keep, "ConvolutionKernel": Keep,
	"AcquisitionContrast": Keep, "BodyPartThickness": Keep, "WindowCenterWidthExplanation": Keep,
	"PatientIdentityRemoved": Keep, "DeidentificationMethod": Keep, "FrameOfReferenceUID": NewUID,
}

// textVRs hold free text, which may hold anything.
var textVRs = map[string]bool{"LO": true, "SH": true, "ST": true, "LT": true, "UT": true, "UC": true, "PN": true}

// ActionFor returns what happens to attribute a.
func ActionFor(a dicomview.Attribute) Action {
	if a.Group%2 == 1 {
		return Remove // private
	}
	if act, ok := actions[a.Keyword]; ok {
		if act == Keep && a.VR == "UI" && !strings.HasSuffix(a.Keyword, "ClassUID") && a.Keyword != "TransferSyntaxUID" {
			return NewUID
		}
		return act
	}
	switch {
	case a.Keyword == "":
		return Remove // unknown
	case a.VR == "UI":
		return NewUID
	case a.VR == "DA" || a.VR == "DT":
		return Shifted
	case a.VR == "TM":
		return Remove
	case textVRs[a.VR], a.VR == "SQ", a.VR == "UN", a.VR == "OB", a.VR == "OW", a.VR == "UR", a.VR == "AE":
		return Remove
	}
	return Keep // numbers and codes
}

// Apply de-identifies attrs with key, in order. Removed attributes come
// back with Action Remove and no values.
func Apply(attrs []dicomview.Attribute, key Key) []Result {
	out := make([]Result, 0, len(attrs))
	for _, a := range attrs {
		act := ActionFor(a)
		r := Result{Attribute: a, Action: act}
		r.Values = nil
		switch act {
		case Keep:
			r.Values = append([]string(nil), a.Values...)
		case NewUID:
			for _, v := range a.Values {
				r.Values = append(r.Values, key.UID(v))
			}
		case Shifted:
			for _, v := range a.Values {
				if s, ok := key.ShiftDate(v); ok {
					r.Values = append(r.Values, s)
				} else {
					r.Action = Remove // not a date we can shift: remove
					r.Values = nil
					break
				}
			}
		case Dummy:
			r.Values = []string{"ANONYMOUS"}
		}
		out = append(out, r)
	}
	return out
}

// UID returns the replacement for uid: a UID under the 2.25 root (PS3.5
// B.2) derived from uid with an HMAC keyed by key, so that the same key
// gives the same replacement and the original cannot be recovered.
func (k Key) UID(uid string) string {
	if uid == "" {
		return ""
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte("uid\x00" + uid))
	sum := m.Sum(nil)
	n := new(big.Int).SetBytes(sum[:16])
	return "2.25." + n.String()
}

// ShiftDays is the number of days dates are moved back: between 365 and
// 3,652, derived from the key.
func (k Key) ShiftDays() int {
	m := hmac.New(sha256.New, k)
	m.Write([]byte("date shift"))
	return 365 + int(binary.BigEndian.Uint32(m.Sum(nil))%3288)
}

// ShiftDate moves a DA (YYYYMMDD) or the date part of a DT value back by
// ShiftDays, dropping any time of day. It reports false for a value that is
// not such a date.
func (k Key) ShiftDate(v string) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 8 {
		return "", false
	}
	t, err := time.Parse("20060102", v[:8])
	if err != nil {
		return "", false
	}
	return t.AddDate(0, 0, -k.ShiftDays()).Format("20060102"), true
}
